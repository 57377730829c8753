// The API sends instants in ISO 8601; applicants read them in Beijing time (the windows and fix
// periods are set in Asia/Shanghai), whatever the phone's own time zone.
const FORMAT = new Intl.DateTimeFormat('zh-CN', {
  timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit',
  hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
})

/** "2026-12-31 18:00" for an ISO instant; "" for none. */
export function beijingTime(iso) {
  if (!iso) return ''
  const parts = Object.fromEntries(FORMAT.formatToParts(new Date(iso)).map((p) => [p.type, p.value]))
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}`
}
