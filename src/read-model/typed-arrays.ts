/** A typed array grown to `length` (new elements zero, or `fill`); the same array when long enough. */
export function grown<A extends Int32Array | Float64Array>(array: A, length: number, fill = 0): A {
  if (array.length >= length) return array;
  const larger = new (array.constructor as new (length: number) => A)(length);
  if (fill !== 0) larger.fill(fill);
  larger.set(array);
  return larger;
}
