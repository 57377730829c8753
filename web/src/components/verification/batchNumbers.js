// A pasted list of registration numbers as the batch route wants it: one per line, or separated
// by commas (half- or full-width), 、, semicolons or spaces; blank entries dropped, order and
// repeats kept (the API answers each number as asked).
const SEPARATORS = /[\s,，、;；]+/

export function batchNumbers(text) {
  return text.split(SEPARATORS).map((number) => number.trim()).filter(Boolean)
}
