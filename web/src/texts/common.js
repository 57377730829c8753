// Texts of the frame every screen shares (title, navigation, network and rate-limit notices).
// Each screen family keeps its texts beside this file; the API's own messages come from the API.
export const common = {
  siteTitle: '社会工作者证书登记',
  network: '网络连接失败，请检查网络后点击“重试”。',
  unexpected: '服务暂时无法处理您的请求，请稍后重试。',
  uploadRefused: '文件未能上传，请重新选择文件后再试。',
  retry: '重试',
  retryIn: (seconds) => `请在 ${seconds} 秒后重试。`,
  loading: '加载中…',
  back: '返回',
  signOut: '退出登录',
  nav: { label: '主导航', home: '个人中心', messages: '消息', certificates: '证书', guide: '办事指南' },
  skipToContent: '跳到主要内容',
}
