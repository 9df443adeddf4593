import * as fs from 'node:fs';

/** The comment lines around a generated block in a hand-written file (README.md). */
export interface BlockMarkers {
  readonly start: string;
  readonly end: string;
}

/** The block, markers included, as the file holds it; undefined without the markers. */
export function blockIn(text: string, { start, end }: BlockMarkers): string | undefined {
  const from = text.indexOf(start);
  const to = text.indexOf(end);
  return from < 0 || to < 0 ? undefined : text.slice(from, to + end.length);
}

/** Replaces the block in `file` with `next` (markers included) and says whether it changed. */
export function rewriteBlock(file: string, markers: BlockMarkers, next: string, what: string): void {
  const text = fs.readFileSync(file, 'utf8');
  const current = blockIn(text, markers);
  if (!current) throw new Error(`${file} has no ${markers.start} … ${markers.end} block to replace`);
  fs.writeFileSync(file, text.replace(current, next));
  console.log(current === next ? `${what} already up to date` : `${what} updated`);
}
