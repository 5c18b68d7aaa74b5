/**
 * max |a − b| over two outputs of the same shape; Infinity when either holds a NaN or an infinity
 * where the other does not (an export that turns numbers into NaN is not "close").
 */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let max = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as number;
    const y = b[i] as number;
    const d = Math.abs(x - y);
    if (d > max) max = d;
    else if (Number.isNaN(d) && !(Number.isNaN(x) && Number.isNaN(y)) && x !== y) return Infinity;
  }
  return max;
}
