/**
 * Declarations the Kalman-pairs loops share (pairLoop.template.ts, pairTargets.template.ts):
 * scripts/fuse.ts splices region `strategy-state` where a template has `// @fuse strategy-state`.
 * Not a kernel of its own, and not compiled: it names the templates' `prm` and the P_* slots
 * of src/strategy/pairParams.ts, which each template imports.
 */
export function regions() {
  // @fuse-begin strategy-state
  const q = prm[P_Q];
  const ve = prm[P_VE];
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
  // the filter's state
  let beta = 0;
  let alpha = 0;
  let p00 = prm[P_INIT_COV];
  let p01 = 0;
  let p11 = prm[P_INIT_COV];
  // the rule's and the sizing's state
  let units = 0;
  let held = 0;
  let blocked = 0;
  let lastUnits = 0;
  let sized = false;
  let h0 = 0;
  let h1 = 0;
  // @fuse-end strategy-state
}
