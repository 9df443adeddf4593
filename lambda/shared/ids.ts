/** PostgreSQL's `uuid` text form, in any case (no version-bit check: PostgreSQL makes none). */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const isUuid = (id: string): boolean => UUID.test(id);

/**
 * The id in PostgreSQL's canonical (lower-case) form, or undefined for a malformed one: no row can
 * have it, so callers answer "not found" rather than let the database's cast fail.
 */
export const canonicalId = (raw: string): string | undefined => (UUID.test(raw) ? raw.toLowerCase() : undefined);
