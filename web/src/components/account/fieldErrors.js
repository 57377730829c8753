// Places an API refusal on a form: each field the API names in `details` shows its reason beside
// it; a refusal that names no field but is about one (a wrong code, a wrong password) shows its
// whole message beside that field. Everything else goes to the notice above the form.
import { computed } from 'vue'

/** `error` is a ref holding an ApiError or null; `fieldOfCode` maps an error code to the field it is about. */
export function useFieldErrors(error, fieldOfCode = {}) {
  const errorFor = (name) => {
    const current = error.value
    if (!current) return ''
    return current.field(name) || (fieldOfCode[current.code] === name ? current.message : '')
  }
  const notice = computed(() => (error.value && !fieldOfCode[error.value.code] ? error.value : null))
  return { errorFor, notice }
}

/** Where a refused code request shows: a bad phone number beside the phone, anything else (too
 * frequent, the day's cap, no network) beside the code field whose button asked. */
export function smsRefusalFor(refusal, name) {
  if (!refusal) return ''
  const aboutPhone = refusal.field('phone')
  if (name === 'phone') return aboutPhone
  return name === 'code' && !aboutPhone ? refusal.message : ''
}
