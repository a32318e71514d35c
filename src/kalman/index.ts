export { KalmanFilter } from './KalmanFilter.js';
export type {
  EmOptions,
  FilterCallOptions,
  FilterMeansResult,
  FilterResult,
  FilterUpdateOverrides,
  FilterUpdateResult,
  SmoothResult,
} from './KalmanFilter.js';
export { KalmanModelError } from './errors.js';
export { VectorSequence, MatrixSequence } from './sequences.js';
export { createWorkspace, predict, update } from './kernel.js';
export type { KalmanWorkspace } from './kernel.js';
export {
  createPairState,
  pairDelta,
  pairModel,
  pairObservationMatrices,
  pairObservationRow,
  pairSkip,
  pairStep,
  pairTransitionVariance,
  PAIR_ALPHA,
  PAIR_BETA,
  PAIR_E,
  PAIR_Q,
  PAIR_VAR_BETA,
} from './pair.js';
export type { PairModelOptions } from './pair.js';
export type {
  EmVar,
  KalmanModel,
  KalmanModelInput,
  MatrixInput,
  ObservationsInput,
  PartialMissingPolicy,
  SeriesInput,
  ShapedArray,
  VectorInput,
} from './types.js';
export { dynamicHedgeRatio } from './hedgeRatio.js';
export type { HedgeRatioOptions, HedgeRatioPath } from './hedgeRatio.js';
