import { useDocumentTitle } from "../ui/useDocumentTitle";
import type { Area } from "./areas";

/** An area that exists in the product's plan but not yet in this build. */
export function NotBuiltPage({ area }: { area: Area }) {
  useDocumentTitle(area.title);
  return (
    <section className="page" aria-labelledby="page-title">
      <header className="page-header">
        <h1 id="page-title">{area.title}</h1>
      </header>
      <p className="not-built">{area.notBuilt}</p>
    </section>
  );
}
