// Every screen of the client: its path, its view, its title, and whether it opens without a token.
import { defineAsyncComponent } from 'vue'

const view = (load) => defineAsyncComponent(load)

export const ROUTES = [
  { path: '/login', title: '登录', public: true, view: view(() => import('./views/LoginView.vue')) },
  { path: '/signup', title: '注册', public: true, view: view(() => import('./views/SignupView.vue')) },
  { path: '/reset', title: '找回密码', public: true, view: view(() => import('./views/ResetView.vue')) },
  { path: '/verify', title: '证书查验', public: true, view: view(() => import('./views/VerifyView.vue')) },
  { path: '/guide', title: '办事指南', public: true, view: view(() => import('./views/GuideView.vue')) },
  { path: '/', title: '个人中心', view: view(() => import('./views/HomeView.vue')) },
  { path: '/messages', title: '消息', view: view(() => import('./views/MessagesView.vue')) },
  { path: '/history', title: '登记记录', view: view(() => import('./views/HistoryView.vue')) },
  { path: '/certificates', title: '我的证书', view: view(() => import('./views/CertificatesView.vue')) },
  { path: '/eligibility', title: '可办理的登记', view: view(() => import('./views/EligibilityView.vue')) },
  { path: '/applications/:id', title: '登记申请', view: view(() => import('./views/ApplicationView.vue')) },
]
