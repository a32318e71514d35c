/** A sequence of n vectors of length `dim`, stored row-major in one Float64Array. */
export class VectorSequence {
  /** @param data n×dim values, row-major. */
  constructor(
    readonly data: Float64Array,
    readonly length: number,
    readonly dim: number,
  ) {}
  /** Component i of the vector at step t. */
  at(t: number, i = 0): number {
    return this.data[t * this.dim + i];
  }
  /** The vector at step t, as a view (no copy). */
  row(t: number): Float64Array {
    return this.data.subarray(t * this.dim, (t + 1) * this.dim);
  }
  /** Component i at every step, as a new array of length n. */
  component(i: number): Float64Array {
    const out = new Float64Array(this.length);
    for (let t = 0; t < this.length; t++) out[t] = this.data[t * this.dim + i];
    return out;
  }
  /** Nested copy, n×dim. */
  toArray(): number[][] {
    const out: number[][] = [];
    for (let t = 0; t < this.length; t++) out.push(Array.from(this.row(t)));
    return out;
  }
}

/** A sequence of n rows×cols matrices, stored row-major in one Float64Array. */
export class MatrixSequence {
  /** @param data n×rows×cols values, row-major. */
  constructor(
    readonly data: Float64Array,
    readonly length: number,
    readonly rows: number,
    readonly cols: number,
  ) {}
  /** Entry (i, j) of the matrix at step t. */
  at(t: number, i = 0, j = 0): number {
    return this.data[(t * this.rows + i) * this.cols + j];
  }
  /** The matrix at step t, flat row-major, as a view (no copy). */
  matrix(t: number): Float64Array {
    const size = this.rows * this.cols;
    return this.data.subarray(t * size, (t + 1) * size);
  }
  /** Nested copy, n×rows×cols. */
  toArray(): number[][][] {
    const out: number[][][] = [];
    for (let t = 0; t < this.length; t++) {
      const m: number[][] = [];
      for (let i = 0; i < this.rows; i++) {
        const o = (t * this.rows + i) * this.cols;
        m.push(Array.from(this.data.subarray(o, o + this.cols)));
      }
      out.push(m);
    }
    return out;
  }
}
