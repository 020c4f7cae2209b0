import { Link } from "react-router";
import { useDocumentTitle } from "../ui/useDocumentTitle";

export function NotFoundPage() {
  useDocumentTitle("Not found");
  return (
    <section className="page" aria-labelledby="page-title">
      <header className="page-header">
        <h1 id="page-title">Page not found</h1>
      </header>
      <p>
        There is no page at this address. <Link to="/">Go to the dashboard</Link>.
      </p>
    </section>
  );
}
