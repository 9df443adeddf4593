import { z } from 'zod';
import { type StageConfig, stageConfigSchema } from './schema.js';
import { dev } from './stages/dev.js';
import { local } from './stages/local.js';
import { localContainers } from './stages/local-containers.js';
import { prod } from './stages/prod.js';
import { staging } from './stages/staging.js';

export * from './schema.js';

/** The stages this app knows; `-c stage=NAME` picks one. `local-containers` is the `local` stage in prod's compute shape. */
export const STAGES: Readonly<Record<string, unknown>> = { local, 'local-containers': localContainers, dev, staging, prod };

/** Thrown for an unknown stage or an invalid value; the message names the field and what it accepts. */
export class StageConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StageConfigError';
  }
}

/** Validates a raw stage object; exported so tests can check the rules on altered copies. */
export function validateStageConfig(raw: unknown, name = 'custom'): StageConfig {
  const result = stageConfigSchema.safeParse(raw);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const field = issue.path.join('.') || '(root)';
    const allowed = describeAllowed(issue);
    return `  - ${field}: ${issue.message}${allowed ? ` (allowed: ${allowed})` : ''}`;
  });
  throw new StageConfigError(`Invalid config for stage '${name}':\n${problems.join('\n')}`);
}

/** Loads and validates the named stage. */
export function loadStageConfig(name: string | undefined): StageConfig {
  if (!name || !(name in STAGES)) {
    throw new StageConfigError(`Unknown stage '${name ?? ''}': pass -c stage=NAME with NAME one of ${Object.keys(STAGES).join(', ')}`);
  }
  return validateStageConfig(STAGES[name], name);
}

function describeAllowed(issue: z.core.$ZodIssue): string | undefined {
  switch (issue.code) {
    case 'invalid_value':
      return issue.values.map((v) => JSON.stringify(v)).join(', ');
    case 'too_small':
      return `${issue.inclusive === false ? '>' : '>='} ${String(issue.minimum)}`;
    case 'too_big':
      return `${issue.inclusive === false ? '<' : '<='} ${String(issue.maximum)}`;
    case 'unrecognized_keys':
      return 'no other keys';
    default:
      return undefined;
  }
}
