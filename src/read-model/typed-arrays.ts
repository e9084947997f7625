/** Typed arrays grown to a new length (new elements zero, or `fill`); the same array when long enough. */
export function grownInt32<A extends Int32Array>(array: A, length: number, fill = 0): A {
  if (array.length >= length) return array;
  const grown = new Int32Array(length);
  if (fill !== 0) grown.fill(fill);
  grown.set(array);
  return grown as A;
}

export function grownFloat64<A extends Float64Array>(array: A, length: number, fill = 0): A {
  if (array.length >= length) return array;
  const grown = new Float64Array(length);
  if (fill !== 0) grown.fill(fill);
  grown.set(array);
  return grown as A;
}
