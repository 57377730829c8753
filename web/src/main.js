// The client's entry: Vant's Chinese locale, the components in use (one by one, see vant.js),
// the runtime configuration (the API's address), then the app.
import { createApp } from 'vue'
import { Locale } from 'vant'
import zhCN from 'vant/es/locale/lang/zh-CN'
import App from './App.vue'
import { registerVant } from './vant.js'
import { loadConfig } from './api.js'
import './app.css'

Locale.use('zh-CN', zhCN)
loadConfig().then(() => {
  const app = createApp(App)
  registerVant(app)
  app.mount('#app')
})
