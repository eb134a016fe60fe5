// Splits requests between "from" and "to" by weight, evenly interleaved, so any window holds the split.
import { InputError } from '../../errors.js';

export type Side = 'from' | 'to';

/** Checks a pair of weights: finite, not negative, not both 0 (there would be nowhere to send a request). */
export function checkWeights(from: number, to: number): void {
  for (const [name, w] of [['from', from], ['to', to]] as const)
    if (typeof w !== 'number' || !Number.isFinite(w) || w < 0) throw new InputError(`the "${name}" weight must be a finite number ≥ 0, not ${String(w)}`);
  if (from + to === 0) throw new InputError('the "from" and "to" weights are both 0');
}

/**
 * Smooth weighted round robin (nginx's upstream algorithm): 80/20 gives from,from,to,from,from,… with the "to"
 * picks spread out. Envoy picks at random; a test ground wants the split exact in every scrape window instead,
 * so that a measured split that is off points at the metrics pipeline, not at sampling noise.
 */
export class WeightedSplit {
  #from = 0;
  #to = 0;
  #currentFrom = 0;
  #currentTo = 0;

  constructor(from: number, to: number) {
    this.set(from, to);
  }

  /** New weights; the interleaving starts over. */
  set(from: number, to: number): void {
    checkWeights(from, to);
    this.#from = from;
    this.#to = to;
    this.#currentFrom = 0;
    this.#currentTo = 0;
  }

  get weights(): { from: number; to: number } {
    return { from: this.#from, to: this.#to };
  }

  /** The side of the next request. */
  next(): Side {
    const total = this.#from + this.#to;
    this.#currentFrom += this.#from;
    this.#currentTo += this.#to;
    if (this.#currentTo > this.#currentFrom) {
      this.#currentTo -= total;
      return 'to';
    }
    this.#currentFrom -= total;
    return 'from';
  }
}

/** Decides which requests fail for an error rate: exactly `rate` of them over any run, spread evenly. */
export class EvenErrorSpread {
  #rate = 0;
  #acc = 0;

  constructor(rate = 0) {
    this.set(rate);
  }

  /** A new rate in [0, 1]. */
  set(rate: number): void {
    if (typeof rate !== 'number' || !Number.isFinite(rate) || rate < 0 || rate > 1) throw new InputError(`an error rate must be between 0 and 1, not ${String(rate)}`);
    this.#rate = rate;
    this.#acc = 0;
  }

  /** True when this request should fail. */
  next(): boolean {
    this.#acc += this.#rate;
    if (this.#acc >= 1 - 1e-9) {
      this.#acc -= 1;
      return true;
    }
    return false;
  }
}
