// The war-room notes of an alert or an incident: the stream, oldest first,
// kept current over the "incidents" live channel (a colleague's note appears
// without a reload), and a Markdown composer with @mentions and attachments.
// The server sanitises each note's HTML (body_html); it is shown as is.

import { useMutation, useQueryClient, type QueryClient } from "@tanstack/react-query";
import { useCallback, useEffect, useId, useLayoutEffect, useMemo, useRef, useState, type ChangeEvent, type KeyboardEvent } from "react";
import { attachmentProblem, formatBytes, socApi, socKeys, useNotes, type Attachment, type Note, type NoteObjectType } from "../api/soc";
import type { LiveMessage } from "../api/types";
import { useCurrentUser } from "../app/session";
import { usePeople, type Person } from "../incidents/people";
import { useLive } from "../live/socket";
import { ErrorMessage, errorText } from "../ui/ErrorMessage";
import { Time } from "../ui/time";
import "../incidents/soc.css";

const NOTE_EVENTS = new Set(["note_added", "note_updated", "note_deleted"]);

/**
 * A note added, changed or removed (the "incidents" channel): reads again
 * the notes it belongs to and the list of rooms. For pages that already
 * follow the channel.
 */
export function handleNoteMessage(queryClient: QueryClient, msg: LiveMessage): void {
  if (msg.channel !== "incidents" || !NOTE_EVENTS.has(msg.type)) return;
  const n = msg.data as Partial<Note> | null;
  if (n?.object_type && n.object_id) void queryClient.invalidateQueries({ queryKey: socKeys.notes(n.object_type, n.object_id) });
  else void queryClient.invalidateQueries({ queryKey: ["notes"] });
  void queryClient.invalidateQueries({ queryKey: socKeys.rooms });
}

/** Follows the notes live on a socket of its own, while `enabled`. */
export function useLiveNotes(enabled: boolean): string {
  const queryClient = useQueryClient();
  const onMessage = useCallback((msg: LiveMessage) => handleNoteMessage(queryClient, msg), [queryClient]);
  return useLive(["incidents"], "", enabled, onMessage);
}

/**
 * The notes of an alert or incident. `liveStatus` is given by a page that
 * follows the "incidents" channel itself (and calls handleNoteMessage);
 * otherwise the panel opens its own subscription.
 */
export function NotesPanel({ type, id, title, writable, liveStatus }: { type: NoteObjectType; id: string; title: string; writable: boolean; liveStatus?: string }) {
  const me = useCurrentUser();
  const notes = useNotes(type, id);
  const own = useLiveNotes(liveStatus === undefined);
  const live = liveStatus ?? own;
  const list = notes.data?.notes ?? [];
  // The list scrolls on its own (newest last): a new note brings its end
  // into view there, without moving the page around the panel (an alert's
  // page opened scrolled down to its notes).
  const listRef = useRef<HTMLOListElement>(null);
  const count = list.length;
  useEffect(() => {
    const el = listRef.current;
    if (el) el.scrollTop = el.scrollHeight;
  }, [count]);

  return (
    <section className="card notes-panel" aria-label={`War room notes: ${title}`}>
      <div className="card-head">
        <h2>War room notes</h2>
        <span className={live === "open" ? "pill pill-on" : "pill pill-off"}>{live === "open" ? "Live" : "Not live"}</span>
      </div>
      {notes.isError ? <ErrorMessage error={notes.error} /> : null}
      {notes.isPending ? (
        <p className="muted" role="status">
          Loading notes…
        </p>
      ) : list.length === 0 ? (
        <p className="muted">No notes yet{writable ? ": write what you found, what you did and what is next." : "."}</p>
      ) : (
        <ol className="note-list" aria-label="Notes, oldest first" ref={listRef}>
          {list.map((n) => (
            <NoteItem key={n.id} note={n} mine={n.author === me.id} admin={me.role === "admin"} />
          ))}
        </ol>
      )}
      {writable ? <Composer type={type} id={id} /> : null}
    </section>
  );
}

function NoteItem({ note: n, mine, admin }: { note: Note; mine: boolean; admin: boolean }) {
  const queryClient = useQueryClient();
  const [editing, setEditing] = useState(false);
  const [draft, setDraft] = useState(n.body);
  const refresh = () => queryClient.invalidateQueries({ queryKey: socKeys.notes(n.object_type, n.object_id) });
  const edit = useMutation({ mutationFn: () => socApi.editNote(n.id, draft), onSuccess: () => (setEditing(false), refresh()) });
  const remove = useMutation({ mutationFn: () => socApi.deleteNote(n.id), onSuccess: refresh });
  return (
    <li className="note">
      <div className="note-head">
        <span className="cell-strong">{n.author_email || n.author}</span>
        <span className="muted">
          <Time value={n.created_at} />
          {n.updated_at && n.updated_at !== n.created_at ? " (edited)" : ""}
        </span>
        <span className="note-tools">
          {mine && !editing ? (
            <button type="button" className="btn btn-mini btn-ghost" onClick={() => (setDraft(n.body), setEditing(true))}>
              Edit
            </button>
          ) : null}
          {mine || admin ? (
            <button type="button" className="btn btn-mini btn-danger-ghost" disabled={remove.isPending} onClick={() => remove.mutate()} aria-label={`Delete note by ${n.author_email || n.author}`}>
              Delete
            </button>
          ) : null}
        </span>
      </div>
      {editing ? (
        <div className="note-edit">
          <textarea aria-label="Edit the note" value={draft} onChange={(e) => setDraft(e.target.value)} rows={4} />
          <div className="form-actions">
            <button type="button" className="btn btn-small" onClick={() => setEditing(false)}>
              Cancel
            </button>
            <button type="button" className="btn btn-small btn-primary" disabled={edit.isPending || draft.trim() === ""} onClick={() => edit.mutate()}>
              Save note
            </button>
          </div>
          {edit.isError ? <ErrorMessage error={edit.error} /> : null}
        </div>
      ) : (
        // The server sanitises body_html (bluemonday): safe to show as HTML.
        <div className="note-body markdown" dangerouslySetInnerHTML={{ __html: n.body_html }} />
      )}
      {n.attachments?.length ? <AttachmentList attachments={n.attachments} /> : null}
      {remove.isError ? <ErrorMessage error={remove.error} /> : null}
    </li>
  );
}

export function AttachmentList({ attachments, onRemove }: { attachments: readonly Attachment[]; onRemove?: (a: Attachment) => void }) {
  return (
    <ul className="attachment-list" aria-label="Attachments">
      {attachments.map((a) => (
        <li key={a.id} className="attachment">
          <a href={a.url || `/api/v1/attachments/${encodeURIComponent(a.id)}`} download={a.name}>
            📎 {a.name}
          </a>
          <span className="muted"> {formatBytes(a.size)}</span>
          {onRemove ? (
            <button type="button" className="btn-icon" aria-label={`Remove ${a.name}`} onClick={() => onRemove(a)}>
              ×
            </button>
          ) : null}
        </li>
      ))}
    </ul>
  );
}

/** The "@word" being typed just before the caret, if any. */
export function mentionAt(text: string, caret: number): { start: number; query: string } | null {
  const before = text.slice(0, caret);
  const m = /(^|\s)@([^\s@]*)$/.exec(before);
  if (!m) return null;
  return { start: caret - (m[2] ?? "").length - 1, query: (m[2] ?? "").toLowerCase() };
}

/** Wraps the selection of `el` in `before`/`after` (Markdown toolbar). */
function wrap(el: HTMLTextAreaElement, value: string, before: string, after: string, placeholder: string): { text: string; caret: number } {
  const s = el.selectionStart ?? value.length;
  const e = el.selectionEnd ?? value.length;
  const chosen = value.slice(s, e) || placeholder;
  return { text: value.slice(0, s) + before + chosen + after + value.slice(e), caret: s + before.length + chosen.length };
}

const TOOLS: ReadonlyArray<{ label: string; before: string; after: string; placeholder: string }> = [
  { label: "Bold", before: "**", after: "**", placeholder: "bold" },
  { label: "Italic", before: "_", after: "_", placeholder: "italic" },
  { label: "Code", before: "`", after: "`", placeholder: "code" },
  { label: "List item", before: "\n- ", after: "", placeholder: "item" },
  { label: "Link", before: "[", after: "](https://)", placeholder: "text" },
];

export function Composer({ type, id, onPosted }: { type: NoteObjectType; id: string; onPosted?: (n: Note) => void }) {
  const me = useCurrentUser();
  const people = usePeople(me);
  const queryClient = useQueryClient();
  const fieldId = useId();
  const area = useRef<HTMLTextAreaElement>(null);
  // Where the caret goes once the new text is in the textarea: set in the
  // same commit (not a frame later), or keys typed meanwhile land elsewhere.
  const pendingCaret = useRef<number | null>(null);
  useLayoutEffect(() => {
    if (pendingCaret.current !== null && area.current) {
      area.current.setSelectionRange(pendingCaret.current, pendingCaret.current);
      pendingCaret.current = null;
    }
  });
  const fileInput = useRef<HTMLInputElement>(null);
  const [body, setBody] = useState("");
  const [mention, setMention] = useState<{ start: number; query: string } | null>(null);
  // The list closes a moment after the field loses focus (so that a click
  // on a suggestion lands first); the timer must not outlive the panel.
  const blurTimer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  useEffect(() => () => clearTimeout(blurTimer.current), []);
  const [active, setActive] = useState(0);
  const [attached, setAttached] = useState<Attachment[]>([]);
  const [problems, setProblems] = useState<string[]>([]);
  const [uploading, setUploading] = useState(0);

  const candidates = useMemo(() => {
    if (!mention) return [];
    return people.users.filter((p) => p.email && (p.email.toLowerCase().includes(mention.query) || p.label.toLowerCase().includes(mention.query))).slice(0, 8);
  }, [mention, people.users]);

  const post = useMutation({
    mutationFn: () => socApi.addNote({ object_type: type, object_id: id, body, ...(attached.length ? { attachment_ids: attached.map((a) => a.id) } : {}) }),
    onSuccess: (n) => {
      setBody("");
      setAttached([]);
      setProblems([]);
      queryClient.setQueryData<{ notes: Note[] }>(socKeys.notes(type, id), (old) => (old ? { notes: [...old.notes.filter((x) => x.id !== n.id), n] } : old));
      void queryClient.invalidateQueries({ queryKey: socKeys.notes(type, id) });
      void queryClient.invalidateQueries({ queryKey: socKeys.rooms });
      onPosted?.(n);
    },
  });

  function onChange(e: ChangeEvent<HTMLTextAreaElement>) {
    setBody(e.target.value);
    setMention(mentionAt(e.target.value, e.target.selectionStart ?? e.target.value.length));
    setActive(0);
  }

  function choose(p: Person) {
    if (!mention) return;
    const caret = area.current?.selectionStart ?? body.length;
    const next = `${body.slice(0, mention.start)}@${p.email} ${body.slice(caret)}`;
    setBody(next);
    setMention(null);
    pendingCaret.current = mention.start + p.email.length + 2;
    area.current?.focus();
  }

  function onKeyDown(e: KeyboardEvent<HTMLTextAreaElement>) {
    if (mention && candidates.length > 0) {
      if (e.key === "ArrowDown") return (e.preventDefault(), setActive((active + 1) % candidates.length));
      if (e.key === "ArrowUp") return (e.preventDefault(), setActive((active - 1 + candidates.length) % candidates.length));
      if (e.key === "Enter" || e.key === "Tab") {
        e.preventDefault();
        const p = candidates[active];
        if (p) choose(p);
        return;
      }
      if (e.key === "Escape") return (e.stopPropagation(), setMention(null));
    }
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey) && body.trim() !== "") {
      e.preventDefault();
      post.mutate();
    }
  }

  async function onFiles(e: ChangeEvent<HTMLInputElement>) {
    const files = [...(e.target.files ?? [])];
    e.target.value = "";
    const bad: string[] = [];
    for (const f of files) {
      const problem = attachmentProblem(f);
      if (problem) {
        bad.push(problem);
        continue;
      }
      setUploading((n) => n + 1);
      try {
        const a = await socApi.uploadAttachment(f, type, id);
        setAttached((prev) => [...prev, a]);
      } catch (err) {
        bad.push(`${f.name}: ${errorText(err)}`);
      } finally {
        setUploading((n) => n - 1);
      }
    }
    setProblems(bad);
  }

  const listId = `${fieldId}-mentions`;
  const showList = mention !== null && candidates.length > 0;
  return (
    <form
      className="composer"
      aria-label="New note"
      onSubmit={(e) => {
        e.preventDefault();
        if (body.trim() !== "") post.mutate();
      }}
    >
      <div className="composer-tools" role="toolbar" aria-label="Formatting">
        {TOOLS.map((t) => (
          <button
            key={t.label}
            type="button"
            className="btn btn-mini btn-ghost"
            onClick={() => {
              if (!area.current) return;
              const r = wrap(area.current, body, t.before, t.after, t.placeholder);
              setBody(r.text);
              pendingCaret.current = r.caret;
              area.current.focus();
            }}
          >
            {t.label}
          </button>
        ))}
        <span className="muted composer-hint">Markdown · @ to mention · Ctrl+Enter to post</span>
      </div>
      <label htmlFor={fieldId} className="sr-only">
        Note
      </label>
      <div className="composer-input">
        <textarea
          id={fieldId}
          ref={area}
          rows={4}
          value={body}
          placeholder="What did you find, what did you do, what is next? @mention a colleague."
          onChange={onChange}
          onKeyDown={onKeyDown}
          onBlur={() => {
            clearTimeout(blurTimer.current);
            blurTimer.current = setTimeout(() => setMention(null), 150);
          }}
          role="combobox"
          aria-expanded={showList}
          aria-controls={listId}
          aria-autocomplete="list"
          aria-activedescendant={showList ? `${listId}-${active}` : undefined}
        />
        {showList ? (
          <ul className="mention-list" role="listbox" id={listId} aria-label="People to mention">
            {candidates.map((p, i) => (
              <li
                key={p.id}
                id={`${listId}-${i}`}
                role="option"
                aria-selected={i === active}
                className={i === active ? "mention-option mention-active" : "mention-option"}
                onMouseDown={(e) => {
                  e.preventDefault();
                  choose(p);
                }}
              >
                {p.label}
                {p.label.includes(p.email) ? "" : ` <${p.email}>`}
              </li>
            ))}
          </ul>
        ) : null}
      </div>
      {!people.fullDirectory && mention && candidates.length === 0 ? (
        <p className="field-hint">Only members of your work groups can be suggested; type a full e-mail address to mention someone else.</p>
      ) : null}
      {attached.length > 0 ? <AttachmentList attachments={attached} onRemove={(a) => setAttached((prev) => prev.filter((x) => x.id !== a.id))} /> : null}
      {problems.map((p) => (
        <div key={p} className="field-error" role="alert">
          {p}
        </div>
      ))}
      {post.isError ? <ErrorMessage error={post.error} /> : null}
      <div className="composer-actions">
        <input ref={fileInput} id={`${fieldId}-file`} type="file" multiple className="sr-only" onChange={(e) => void onFiles(e)} aria-label="Attach files" />
        <button type="button" className="btn btn-small" onClick={() => fileInput.current?.click()} disabled={uploading > 0}>
          {uploading > 0 ? "Uploading…" : "Attach files"}
        </button>
        <button type="submit" className="btn btn-small btn-primary" disabled={post.isPending || uploading > 0 || body.trim() === ""}>
          {post.isPending ? "Posting…" : "Post note"}
        </button>
      </div>
    </form>
  );
}
