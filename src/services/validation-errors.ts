/**
 * The 422 vocabulary of docs/api.md §6.3. Types, messages and ctx mirror pydantic's so that the web client,
 * whose error handling was written against the previous (FastAPI) server, sees identical bodies.
 */

export interface ValidationErrorItem {
  type: string;
  loc: (string | number)[];
  msg: string;
  input: unknown;
  ctx?: Record<string, unknown>;
}

/** What went wrong with one value, before it is placed at a `loc` with its raw `input`. */
export interface ValidationIssue {
  type: string;
  msg: string;
  ctx?: Record<string, unknown>;
}

/** Thrown by request parsers; the app's error handler answers it with 422 `{"detail": [...]}`. */
export class RequestValidationError extends Error {
  readonly statusCode = 422;
  readonly detail: ValidationErrorItem[];

  constructor(detail: ValidationErrorItem[]) {
    super(`Request validation failed (${detail.length} error${detail.length === 1 ? '' : 's'})`);
    this.name = 'RequestValidationError';
    this.detail = detail;
  }
}

/** Builds an error item with the wire key order (type, loc, msg, input, ctx); ctx only when given. */
export function toErrorItem(issue: ValidationIssue, loc: (string | number)[], input: unknown): ValidationErrorItem {
  const item: ValidationErrorItem = { type: issue.type, loc, msg: issue.msg, input };
  if (issue.ctx !== undefined) item.ctx = issue.ctx;
  return item;
}

export const intParsing = (): ValidationIssue => ({
  type: 'int_parsing',
  msg: 'Input should be a valid integer, unable to parse string as an integer',
});

export const intParsingSize = (): ValidationIssue => ({
  type: 'int_parsing_size',
  msg: 'Unable to parse input string as an integer, exceeded maximum size',
});

/** A check beyond the value's type failed (pydantic's ValueError; its ctx carries the error object, empty on the wire). */
export const valueError = (message: string): ValidationIssue => ({
  type: 'value_error',
  msg: `Value error, ${message}`,
  ctx: { error: {} },
});

export const floatParsing = (): ValidationIssue => ({
  type: 'float_parsing',
  msg: 'Input should be a valid number, unable to parse string as a number',
});

export const finiteNumber = (): ValidationIssue => ({
  type: 'finite_number',
  msg: 'Input should be a finite number',
});

export const boolParsing = (): ValidationIssue => ({
  type: 'bool_parsing',
  msg: 'Input should be a valid boolean, unable to interpret input',
});

/** `'a', 'b' or 'c'`: pydantic's rendering of the allowed values, in declaration order. */
export function formatExpected(values: readonly string[]): string {
  const quoted = values.map((v) => `'${v}'`);
  if (quoted.length <= 1) return quoted.join('');
  return `${quoted.slice(0, -1).join(', ')} or ${quoted[quoted.length - 1]}`;
}

export function enumMismatch(values: readonly string[]): ValidationIssue {
  const expected = formatExpected(values);
  return { type: 'enum', msg: `Input should be ${expected}`, ctx: { expected } };
}

// Bounds are small constants; ctx carries them as JSON numbers, as pydantic does.
export const greaterThanEqual = (ge: number | bigint): ValidationIssue => ({
  type: 'greater_than_equal',
  msg: `Input should be greater than or equal to ${ge}`,
  ctx: { ge: Number(ge) },
});

export const lessThanEqual = (le: number | bigint): ValidationIssue => ({
  type: 'less_than_equal',
  msg: `Input should be less than or equal to ${le}`,
  ctx: { le: Number(le) },
});

export const stringTooShort = (minLength: number): ValidationIssue => ({
  type: 'string_too_short',
  msg: `String should have at least ${minLength} character${minLength === 1 ? '' : 's'}`,
  ctx: { min_length: minLength },
});

export const stringTooLong = (maxLength: number): ValidationIssue => ({
  type: 'string_too_long',
  msg: `String should have at most ${maxLength} character${maxLength === 1 ? '' : 's'}`,
  ctx: { max_length: maxLength },
});
