/** Base of every alarm's runbook link (`docs/runbook.md` in this repository); forks point it at their own. */
export const RUNBOOK_URL = 'https://github.com/storefront/storefront/blob/main/docs/runbook.md';

/** The runbook section of one alarm. */
export const runbook = (anchor: string): string => `${RUNBOOK_URL}#${anchor}`;
