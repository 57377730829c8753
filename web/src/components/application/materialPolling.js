// The live `pending → ready | rejected` status: after a photo goes to S3 the service picks it up
// (an S3 event) and processes it, so the page asks `GET /applications/{id}` again every POLL_MS
// while a material is pending or an upload has not been picked up yet, and stops when none is.
import { onBeforeUnmount, reactive } from 'vue'

const POLL_MS = 1500
const GIVE_UP_MS = 60000 // an upload the service never picked up stops the polling

/** `fetch()` reads the application, `adopt(answer)` takes it in (and calls `seen(answer)` back). */
export function useMaterialPolling(fetch, adopt) {
  const processing = reactive(new Map()) // kind → {at, updatedAt}: uploaded, not picked up yet
  let timer = null
  let left = false // the page is gone: an answer arriving late must not start another poll

  async function refresh() {
    try {
      adopt(await fetch())
    } catch {
      if (!left) timer = setTimeout(refresh, POLL_MS * 4) // a blip while polling: try again, more slowly
    }
  }

  /** Every answer the page takes in: uploads it shows picked up stop waiting; poll if anything is pending. */
  function seen(answer) {
    for (const [kind, since] of processing) {
      const material = answer.materials[kind]
      const moved = material && material.updated_at !== since.updatedAt
      if (moved || Date.now() - since.at > GIVE_UP_MS) processing.delete(kind)
    }
    clearTimeout(timer)
    const pending = Object.values(answer.materials).some((m) => m.status === 'pending')
    if (!left && (pending || processing.size)) timer = setTimeout(refresh, POLL_MS)
  }

  /** A photo of `kind` reached S3; `answer` is the application as the page shows it now. */
  function uploaded(kind, answer) {
    const material = answer.materials[kind]
    processing.set(kind, { at: Date.now(), updatedAt: material ? material.updated_at : null })
    seen(answer)
  }

  onBeforeUnmount(() => {
    left = true
    clearTimeout(timer)
  })
  return { processing, seen, uploaded }
}
