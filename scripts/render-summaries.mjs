// Renders step summaries as GitHub shows them, to look at them as a reviewer would: each Markdown file given is
// rendered with markdown-it (CommonMark with GFM tables, HTML allowed, as the step summary allows <details>) into a
// page with GitHub-like styles, and photographed with headless Chromium (Debian's chromium package).
// Usage: node scripts/render-summaries.mjs OUT_DIR summary.md...
import { execFileSync } from 'node:child_process'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import MarkdownIt from 'markdown-it'

const [out, ...files] = process.argv.slice(2)
if (!out || files.length === 0) {
  console.error('usage: node scripts/render-summaries.mjs OUT_DIR summary.md...')
  process.exit(2)
}
mkdirSync(out, { recursive: true })
const md = new MarkdownIt({ html: true, linkify: true })
const css = `body{font:14px/1.5 -apple-system,"Segoe UI",Helvetica,Arial,sans-serif;color:#1f2328;max-width:1000px;margin:24px}
table{border-collapse:collapse;margin:8px 0}th,td{border:1px solid #d0d7de;padding:4px 10px}th{background:#f6f8fa}
code{background:#eff1f3;padding:1px 4px;border-radius:4px;font-size:85%}pre{background:#f6f8fa;padding:12px;overflow:auto}
h2{border-bottom:1px solid #d8dee4;padding-bottom:4px}details{margin:6px 0}summary{cursor:pointer}`
for (const file of files) {
  const name = path.basename(file, '.md')
  const html = `<!doctype html><meta charset="utf-8"><style>${css}</style>${md.render(readFileSync(file, 'utf8'))}`
  const page = path.resolve(out, `${name}.html`)
  writeFileSync(page, html)
  execFileSync(
    'chromium',
    [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
      `--user-data-dir=${path.resolve(out, '.chromium')}`,
      '--window-size=1100,1400',
      `--screenshot=${path.resolve(out, `${name}.png`)}`,
      `file://${page}`,
    ],
    { stdio: 'ignore' },
  )
  console.log(path.resolve(out, `${name}.png`))
}
