/**
 * Declarations the generated strategy loops share: the pairs filter's (region `strategy-state`,
 * in pairLoop.template.ts and pairTargets.template.ts) and the band rule's and sizing's
 * (region `rule-state`, in those and levelTargets.template.ts). scripts/fuse.ts splices a region
 * where a template has `// @fuse NAME`. Not a kernel of its own, and not compiled: it names the templates' `prm` and the P_* slots
 * of src/strategy/pairParams.ts, which each template imports.
 */
/** The pairs filter's parameters and state. */
export function filterRegions() {
  // @fuse-begin strategy-state
  const q = prm[P_Q];
  const ve = prm[P_VE];
  // the filter's state
  let beta = 0;
  let alpha = 0;
  let p00 = prm[P_INIT_COV];
  let p01 = 0;
  let p11 = prm[P_INIT_COV];
  // @fuse-end strategy-state
}

/** The band rule's and the sizing's parameters and state, one leg's held shares (`h0`). */
export function ruleRegions() {
  // @fuse-begin rule-state
  const logPrices = prm[P_LOG] !== 0;
  const entryZ = prm[P_ENTRY];
  const exitZ = prm[P_EXIT];
  const stopZ = prm[P_STOP];
  const maxHoldBars = prm[P_MAX_HOLD];
  const capitalSizing = prm[P_CAPITAL_SIZING] !== 0;
  const capital = prm[P_UNIT_CAPITAL];
  // the global NaN read once: in the loop, on a path not yet taken when V8 compiles it, it
  // would be a generic global load that makes z, and everything computed from it, a boxed number
  const nan = NaN;
  // the rule's and the sizing's state
  let units = 0;
  let held = 0;
  let blocked = 0;
  let lastUnits = 0;
  let sized = false;
  let h0 = 0;
  // @fuse-end rule-state
}
