// Package web holds the demo page's assets (app.js, style.css; the page
// itself is index.html at the repository root). Its test drives the page in
// headless Chromium against a real devnet: run it with make browser-test.
package web
