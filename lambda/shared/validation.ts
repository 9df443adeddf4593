import { en } from 'zod/locales';
import { config } from 'zod/mini';

/**
 * The services validate with `zod/mini`, the tree-shakable API of zod 4 (functions instead of
 * methods): a bundle carries the checks it uses (~25 KiB) rather than all of zod with every locale
 * (~440 KiB). Import it as `import * as z from 'zod/mini'` in each file (a re-exported namespace
 * would defeat the tree shaking). zod/mini loads no messages; this module, imported for its effect
 * by `env.ts` and `http.ts` (every service loads both), loads the English ones.
 */
config(en());
