/**
 * A numeric array with an explicit shape, for passing typed arrays (e.g. per-step
 * observation matrices n×m×k built from a price series) without nested JavaScript arrays.
 * `data` is row-major and must have exactly the product of `shape` elements.
 */
export interface ShapedArray {
  data: Float64Array | readonly number[];
  shape: readonly number[];
}

/** A vector parameter: `number[]` (or a scalar for one dimension). */
export type VectorInput = number | readonly number[] | Float64Array | ShapedArray;
/** A matrix parameter: `number[][]` (or a scalar for 1×1). */
export type MatrixInput = number | readonly (readonly number[])[] | ShapedArray;
/** A parameter that may also vary in time: one more leading axis than its constant shape. */
export type SeriesInput = number | readonly unknown[] | Float64Array | ShapedArray;

/** The names of the eight model parameters that EM can learn, in pykalman's camelCase. */
export type EmVar =
  | 'transitionMatrices'
  | 'observationMatrices'
  | 'transitionOffsets'
  | 'observationOffsets'
  | 'transitionCovariance'
  | 'observationCovariance'
  | 'initialStateMean'
  | 'initialStateCovariance';

/**
 * How a time step whose observation has some components missing (and others observed) is
 * treated. `'drop-row'` (default, pykalman's behaviour): the whole step is treated as missing.
 * `'update-observed'`: the update uses the observed components only.
 */
export type PartialMissingPolicy = 'drop-row' | 'update-observed';

/**
 * Parameters of a linear-Gaussian state-space model, as pykalman's `KalmanFilter`
 * constructor takes them (camelCase). Every parameter is optional: defaults are identity
 * matrices and covariances, zero offsets and initial mean, identity initial covariance.
 *
 * ```
 * x_0     ~ N(initialStateMean, initialStateCovariance)
 * x_{t+1} = A_t x_t + b_t + N(0, Q_t)      A = transitionMatrices, b = transitionOffsets, Q = transitionCovariance
 * z_t     = C_t x_t + d_t + N(0, R_t)      C = observationMatrices, d = observationOffsets, R = observationCovariance
 * ```
 * A parameter with one more leading axis than its constant shape varies in time: index t of a
 * transition parameter maps state t to t+1; index t of an observation parameter applies at step t.
 */
export interface KalmanModelInput {
  /** A: k×k, or (n-1)×k×k per step. */
  transitionMatrices?: SeriesInput;
  /** C: m×k, or n×m×k per step. */
  observationMatrices?: SeriesInput;
  /** b: k, or (n-1)×k per step. */
  transitionOffsets?: SeriesInput;
  /** d: m, or n×m per step. */
  observationOffsets?: SeriesInput;
  /** Q: k×k, or (n-1)×k×k per step. Symmetric positive semi-definite. */
  transitionCovariance?: SeriesInput;
  /** R: m×m, or n×m×m per step. Symmetric positive semi-definite. */
  observationCovariance?: SeriesInput;
  /** μ0: k. */
  initialStateMean?: VectorInput;
  /** Σ0: k×k. Symmetric positive semi-definite. */
  initialStateCovariance?: MatrixInput;
  /** k, the state dimension; inferred from the parameters when omitted (1 if nothing says). */
  nDimState?: number;
  /** m, the observation dimension; inferred from the parameters when omitted (1 if nothing says). */
  nDimObs?: number;
  /** Parameters `em` learns when its call does not say (pykalman's `em_vars`). */
  emVars?: 'all' | readonly EmVar[];
  /** Treatment of partially observed steps; see {@link PartialMissingPolicy}. */
  partialMissing?: PartialMissingPolicy;
}

/** The resolved model: all eight parameters with defaults filled in, as nested number arrays. */
export interface KalmanModel {
  transitionMatrices: number[][] | number[][][];
  observationMatrices: number[][] | number[][][];
  transitionOffsets: number[] | number[][];
  observationOffsets: number[] | number[][];
  transitionCovariance: number[][] | number[][][];
  observationCovariance: number[][] | number[][][];
  initialStateMean: number[];
  initialStateCovariance: number[][];
  nDimState: number;
  nDimObs: number;
}

/**
 * Observations: `number[]` (one observed dimension), `number[][]` (n×m), a Float64Array
 * (n×m row-major; n values when m = 1) or a {@link ShapedArray}. `null` or `NaN` marks a
 * missing value; ±Infinity is an error.
 */
export type ObservationsInput =
  readonly (number | null)[] | readonly (readonly (number | null)[] | null)[] | Float64Array | ShapedArray;
