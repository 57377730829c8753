// A small history-mode router (the client has a dozen screens; vue-router would be one more
// dependency for what this file does). Paths are `/x` or `/x/:param`; screens marked `public`
// open without a token, the others send a signed-out visitor to /login and back afterwards.
import { reactive } from 'vue'
import { session } from './api.js'
import { common } from './texts/common.js'

const routes = []
export const route = reactive({ path: '/', params: {}, query: {}, screen: null })

export function defineRoutes(table) {
  routes.push(...table.map((entry) => ({ ...entry, parts: entry.path.split('/').filter(Boolean) })))
  window.addEventListener('popstate', resolve)
  resolve()
}

export function navigate(path, { replace = false } = {}) {
  if (replace) history.replaceState(null, '', path)
  else history.pushState(null, '', path)
  resolve()
  window.scrollTo(0, 0)
}

function match(entry, parts) {
  if (entry.parts.length !== parts.length) return null
  const params = {}
  for (const [i, part] of entry.parts.entries()) {
    if (part.startsWith(':')) params[part.slice(1)] = decodeURIComponent(parts[i])
    else if (part !== parts[i]) return null
  }
  return params
}

function resolve() {
  const parts = location.pathname.split('/').filter(Boolean)
  for (const entry of routes) {
    const params = match(entry, parts)
    if (params === null) continue
    if (!entry.public && !session.token) {
      const next = encodeURIComponent(location.pathname + location.search)
      return navigate(`/login?next=${next}`, { replace: true })
    }
    Object.assign(route, {
      path: location.pathname, params, query: Object.fromEntries(new URLSearchParams(location.search)),
      screen: entry,
    })
    document.title = entry.title ? `${entry.title} · ${common.siteTitle}` : common.siteTitle
    return
  }
  navigate(session.token ? '/' : '/login', { replace: true })
}
