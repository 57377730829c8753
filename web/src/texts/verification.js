// Texts of public verification beyond the single-number basics in account.verify: the 核验码
// printed under the QR code, paper-era registrations, and the batch check of a pasted list.
export const BATCH_LIMIT = 100

export const verification = {
  modes: { label: '查验方式', single: '单个查验', batch: '批量查验' },
  code: '核验码',
  codePlaceholder: '二维码下方的核验码，如 ABCD-EFGH（选填）',
  codeHint: '扫描证书二维码会自动带入核验码；手动查验时可填写二维码下方的核验码。',
  withoutCode: '未填写核验码，只显示证书是否有效。填写证书二维码下方的核验码，可查看持证人姓名（部分隐藏）、职业水平等级和有效期。',
  paper: '纸质证书',
  paperNote: '该登记为电子证书启用前办理的纸质证书登记，只显示有效期。',
  kind: '证书类型',
  electronic: '电子证书',
  batch: {
    label: '登记证书编号',
    placeholder: '每行一个编号，也可以用逗号或空格分隔',
    hint: `一次最多查验${BATCH_LIMIT}个编号。批量查验只显示部分隐藏的姓名、职业水平等级和有效期。`,
    count: (n) => `已填写 ${n} 个编号`,
    required: '请填写至少一个登记证书编号',
    tooMany: (n) => `一次最多查验${BATCH_LIMIT}个编号，当前填写了${n}个，请分批查验。`,
    submit: '批量查验',
    results: '批量查验结果',
    summary: (total, valid) => `共查验 ${total} 个编号，其中有效 ${valid} 个。`,
    download: '下载 CSV',
    downloaded: '查验结果已下载。',
    filename: '证书批量查验结果.csv',
  },
}
