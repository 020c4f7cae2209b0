// Rule descriptions are often hard-wrapped at 80 columns in the YAML
// (a `|` block keeps every line break). Shown in a narrow card with
// `white-space: pre-line`, those breaks made ragged half-lines.

const listItem = /^\s*([-*•]|\d+[.)])\s/;

/**
 * text with the line breaks of hard wrapping removed: lines of one
 * paragraph are joined with a space; blank lines (paragraphs) and lines
 * that start a list item keep their break.
 */
export function unwrap(text: string): string {
  return text
    .trim()
    .split(/\n[ \t]*\n/)
    .map((para) =>
      para
        .split("\n")
        .map((line) => line.trim())
        .reduce((out, line, i) => (i === 0 ? line : listItem.test(line) ? `${out}\n${line}` : `${out} ${line}`), ""),
    )
    .join("\n\n");
}
