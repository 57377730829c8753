// The one door to the API: its address (from /config.json), the token (sessionStorage: the only
// state the client keeps), the error shape of SPEC §3 turned into ApiError, and the presigned
// S3 POST for uploads.
import { reactive } from 'vue'
import { common } from './texts/common.js'

const TOKEN_KEY = 'swreg.token'
const ROLE_KEY = 'swreg.role'
let apiBase = ''

/** Reads /config.json ({"apiBase": "http://127.0.0.1:8000"}), written by whoever serves the build. */
export async function loadConfig() {
  const response = await fetch('/config.json', { cache: 'no-store' })
  apiBase = (await response.json()).apiBase.replace(/\/$/, '')
}

export const session = reactive({
  token: sessionStorage.getItem(TOKEN_KEY),
  role: sessionStorage.getItem(ROLE_KEY),
})

export function signIn({ token, role }) {
  session.token = token
  session.role = role || 'applicant'
  sessionStorage.setItem(TOKEN_KEY, token)
  sessionStorage.setItem(ROLE_KEY, session.role)
}

export function signOut() {
  session.token = null
  session.role = null
  sessionStorage.removeItem(TOKEN_KEY)
  sessionStorage.removeItem(ROLE_KEY)
}

/** An API refusal (`status` > 0) or a failed network call (`status` 0, `network` true). `fields`
 * maps each field the API names in `details` to its Chinese reason; `retryAfter` is in seconds. */
export class ApiError extends Error {
  constructor({ status, code, message, details = {}, retryAfter = null, network = false }) {
    super(message)
    this.status = status
    this.code = code
    this.details = details
    this.retryAfter = retryAfter
    this.network = network
  }

  /** The reason for `field`, if the API named it. */
  field(name) {
    const reason = this.details && this.details[name]
    return typeof reason === 'string' ? reason : ''
  }
}

const SESSION_ENDED = new Set(['INVALID_TOKEN', 'TOKEN_EXPIRED', 'SESSION_REVOKED', 'MISSING_TOKEN'])

/** Calls the API; resolves to the parsed JSON body (or null for 204), rejects with ApiError. */
export async function api(method, path, body, { accept = 'application/json' } = {}) {
  const response = await send(method, path, body, accept)
  if (response.status === 204) return null
  const payload = await response.json().catch(() => null)
  if (response.ok) return payload
  throw refusal(response, payload)
}

/** Calls the API for a file (e.g. `accept: 'text/csv'`); resolves to `{ blob, filename }`, the
 * name from Content-Disposition when the API's CORS exposes it, else `fallbackName`. Rejects with
 * ApiError as `api` does (an error answer is JSON whatever was asked for). */
export async function apiFile(method, path, body, { accept, fallbackName }) {
  const response = await send(method, path, body, accept)
  if (!response.ok) throw refusal(response, await response.json().catch(() => null))
  return { blob: await response.blob(), filename: attachmentName(response) || fallbackName }
}

/** Hands `blob` to the browser as a download named `filename` (the "save" of a fetched file). */
export function saveFile({ blob, filename }) {
  const url = URL.createObjectURL(blob)
  const link = document.createElement('a')
  link.href = url
  link.download = filename
  link.hidden = true
  document.body.appendChild(link)
  link.click()
  link.remove()
  setTimeout(() => URL.revokeObjectURL(url), 1000)
}

async function send(method, path, body, accept) {
  const headers = { Accept: accept }
  if (body !== undefined) headers['Content-Type'] = 'application/json'
  if (session.token) headers.Authorization = `Bearer ${session.token}`
  try {
    return await fetch(apiBase + path, {
      method, headers, body: body === undefined ? undefined : JSON.stringify(body),
    })
  } catch {
    throw new ApiError({ status: 0, code: 'NETWORK', message: common.network, network: true })
  }
}

function refusal(response, payload) {
  const error = (payload && payload.error) || { code: 'UNKNOWN', message: common.unexpected }
  const retryAfter = Number(response.headers.get('Retry-After')) || null
  if (response.status === 401 && SESSION_ENDED.has(error.code) && session.token) signOut()
  return new ApiError({ status: response.status, ...error, retryAfter })
}

/** The file name of `Content-Disposition: attachment; filename*=UTF-8''…` or `filename="…"`. */
function attachmentName(response) {
  const disposition = response.headers.get('Content-Disposition') || ''
  const encoded = /filename\*=UTF-8''([^;]+)/i.exec(disposition)
  if (encoded) {
    try {
      return decodeURIComponent(encoded[1].trim())
    } catch {
      return ''
    }
  }
  const plain = /filename="?([^";]+)"?/i.exec(disposition)
  return plain ? plain[1].trim() : ''
}

/** Sends `file` to the presigned S3 POST `upload` ({url, fields}) answered by a `…/upload` route. */
export async function postToS3(upload, file) {
  const form = new FormData()
  for (const [name, value] of Object.entries(upload.fields)) form.append(name, value)
  form.append('file', file)
  let response
  try {
    response = await fetch(upload.url, { method: 'POST', body: form })
  } catch {
    throw new ApiError({ status: 0, code: 'NETWORK', message: common.network, network: true })
  }
  if (!response.ok) {
    throw new ApiError({ status: response.status, code: 'UPLOAD_REFUSED', message: common.uploadRefused })
  }
}
