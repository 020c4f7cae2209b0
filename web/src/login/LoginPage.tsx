import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { useNavigate, useSearchParams } from "react-router";
import { api } from "../api/client";
import { queryKeys } from "../api/queries";
import { ThemeToggle } from "../theme/theme";
import { FormAlert, TextField, fieldError } from "../ui/form";
import { useDocumentTitle } from "../ui/useDocumentTitle";

const FIELDS = ["email", "password"] as const;

/** Where to go after login: only a path inside this app, never another site. */
export function safeNext(next: string | null): string {
  if (!next || !next.startsWith("/") || next.startsWith("//") || next.startsWith("/login")) return "/";
  return next;
}

export function LoginPage() {
  useDocumentTitle("Log in");
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const queryClient = useQueryClient();

  const login = useMutation({
    mutationFn: () => api.login({ email: email.trim(), password }),
    onSuccess: async () => {
      queryClient.clear();
      await queryClient.fetchQuery({ queryKey: queryKeys.me, queryFn: ({ signal }) => api.me(signal) });
      navigate(safeNext(params.get("next")), { replace: true });
    },
  });

  function submit(e: FormEvent) {
    e.preventDefault();
    login.mutate();
  }

  return (
    <div className="login-screen">
      <div className="login-theme">
        <ThemeToggle />
      </div>
      <main className="login-card">
        <div className="login-brand">
          <span className="brand-mark brand-mark-lg" aria-hidden="true">
            <svg viewBox="0 0 24 24" width="26" height="26" fill="none" stroke="currentColor" strokeWidth="2.2">
              <path d="M12 2 4 5v6c0 5 3.4 9.4 8 11 4.6-1.6 8-6 8-11V5l-8-3z" />
              <path d="M8.5 12.5 11 15l4.5-5" />
            </svg>
          </span>
          <div>
            <div className="login-product">EventSec</div>
            <div className="muted">Security monitoring and response</div>
          </div>
        </div>
        <h1 className="login-title">Log in</h1>
        <form onSubmit={submit} noValidate>
          <FormAlert error={login.error} fields={FIELDS} />
          <TextField
            label="E-mail"
            type="email"
            autoComplete="username"
            value={email}
            onChange={setEmail}
            error={fieldError(login.error, "email")}
            required
          />
          <TextField
            label="Password"
            type="password"
            autoComplete="current-password"
            value={password}
            onChange={setPassword}
            error={fieldError(login.error, "password")}
            required
          />
          <button type="submit" className="btn btn-primary btn-block" disabled={login.isPending}>
            {login.isPending ? "Logging in…" : "Log in"}
          </button>
        </form>
      </main>
    </div>
  );
}
