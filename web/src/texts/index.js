// Every text the client shows, by screen family (the API's messages come from the API).
export { common } from './common.js'
export { account } from './account.js'
export { application } from './application.js'
export { verification } from './verification.js'
