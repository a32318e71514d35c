/**
 * Property tests run from a fixed seed so CI is deterministic (a failure reproduces exactly).
 * Explore other cases with FC_SEED=<n> npm test (or FC_SEED=random).
 */
import fc from 'fast-check';

const seed = process.env.FC_SEED;
if (seed !== 'random') fc.configureGlobal({ seed: seed === undefined ? 20_261_129 : Number(seed) });
