// The browser suite: a shopper on a phone inside WeChat buys a mug, pays in the sandbox
// sheet and watches the result page settle; another cancels; the owner ships the order and
// the delivery message appears on the shopper's phone. Every step leaves a screenshot in
// e2e/artifacts/. Any console error or failed request fails the suite.
import { chromium } from "playwright-core";
import { spawn } from "node:child_process";
import { mkdtempSync, mkdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import readline from "node:readline";

const here = dirname(fileURLToPath(import.meta.url));
const bin = process.env.PUZI_BIN || join(here, "..", "target", "debug", "puzi");
const chromiumPath = process.env.CHROMIUM || "/usr/bin/chromium";
const artifacts = join(here, "artifacts");
rmSync(artifacts, { recursive: true, force: true });
mkdirSync(artifacts, { recursive: true });

const WECHAT_UA =
  "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.50(0x1800323c) NetType/WIFI Language/zh_CN";

const problems = [];
let step = 0;
const fail = (msg) => { throw new Error(msg); };

// Start the demo shop on a free port; its first stdout line says where.
const data = mkdtempSync(join(tmpdir(), "puzi-e2e-"));
const shop = spawn(bin, ["demo", "--data", data, "--listen", "127.0.0.1:0"], { stdio: ["ignore", "pipe", "inherit"] });
const lines = readline.createInterface({ input: shop.stdout });
const it = lines[Symbol.asyncIterator]();
const first = (await it.next()).value;
const m = /^listening on (http:\/\/\S+)$/.exec(first || "");
if (!m) fail(`unexpected first line: ${first}`);
const base = m[1];
const setupLine = (await it.next()).value || "";
const setupLink = (setupLine.match(/(http\S+\/admin\/setup\/\S+)/) || [])[1];
if (!setupLink) fail(`no setup link: ${setupLine}`);
console.log(`shop at ${base}`);

const browser = await chromium.launch({
  executablePath: chromiumPath,
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync"],
});

function watch(page, who) {
  page.on("console", (msg) => { if (msg.type() === "error") problems.push(`${who} console: ${msg.text()}`); });
  page.on("pageerror", (err) => problems.push(`${who} page error: ${err.message}`));
  page.on("requestfailed", (req) => {
    const f = req.failure()?.errorText || "";
    // A navigation away aborts the sheet's keep-alive ping and pending polls: not a failure.
    if (f.includes("ERR_ABORTED")) return;
    problems.push(`${who} request failed: ${req.url()} ${f}`);
  });
  page.on("response", (res) => { if (res.status() >= 500) problems.push(`${who} ${res.status()} ${res.url()}`); });
}

async function shot(page, name) {
  step += 1;
  const file = join(artifacts, `${String(step).padStart(2, "0")}-${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  console.log(`  ✓ ${name}`);
}

async function phone() {
  const ctx = await browser.newContext({ viewport: { width: 375, height: 812 }, userAgent: WECHAT_UA, deviceScaleFactor: 2, isMobile: true, hasTouch: true, locale: "zh-CN" });
  const page = await ctx.newPage();
  watch(page, "shopper");
  return page;
}

// The checkout's address: three dependent region selects (filled by script from /regions/)
// and the street line.
async function fillAddress(page, [province, city, district], street) {
  await page.selectOption("#province", province);
  await page.waitForSelector(`#city option[value='${city}']`, { state: "attached" });
  await page.selectOption("#city", city);
  await page.waitForSelector(`#district option[value='${district}']`, { state: "attached" });
  await page.selectOption("#district", district);
  await page.fill("#street", street);
}

try {
  // 1. A shopper scans a product QR code tagged for the booth.
  const page = await phone();
  await page.goto(`${base}/p/stoneware-mug?ch=booth`);
  await page.waitForSelector("h1:has-text('粗陶马克杯')");
  await shot(page, "product-from-qr");
  await page.click("label.variant:has-text('青绿')");
  await page.click("form.buy button[type=submit]");
  await page.waitForSelector(".notice.ok");
  await shot(page, "added-to-cart");
  await page.goto(`${base}/cart`);
  await shot(page, "cart");
  await page.click("a[href='/checkout']");
  await page.fill("#name", "李雷");
  await page.fill("#mobile", "13800138000");
  await fillAddress(page, ["31", "3101", "310104"], "漕溪北路 1 号");
  await shot(page, "checkout");
  await page.click("form.checkout button.primary[type=submit]");

  // 2. Pay: placing the order goes straight to the cashier — silent OAuth (the sandbox makes
  // this phone a shopper with a generated name) — which opens the sheet at once.
  await page.waitForURL(/\/pay\/\d+/);
  await page.waitForSelector(".sb-sheet");
  const orderNo = page.url().match(/\/pay\/(\d+)/)[1];
  await shot(page, "payment-sheet");
  for (const d of ["1", "2", "3", "4", "5", "6"]) await page.click(`.sb-key[data-key='${d}']`);
  await page.waitForURL(/\/pay\/\d+\/result/);
  await page.waitForSelector("#thanks", { timeout: 20000 });
  await shot(page, "paid-thank-you");

  // 3. The cancel path.
  await page.goto(`${base}/p/canvas-tote`);
  await page.click("label.variant:has-text('黑色')");
  await page.click("form.buy button[type=submit]");
  await page.goto(`${base}/checkout`);
  await page.fill("#name", "李雷");
  await page.fill("#mobile", "13800138000");
  await fillAddress(page, ["31", "3101", "310104"], "漕溪北路 1 号");
  await page.click("form.checkout button.primary[type=submit]");
  await page.waitForSelector(".sb-sheet");
  await page.click("#sb-cancel");
  await page.waitForURL(/cancelled=1/);
  await page.waitForSelector("#pay-now");
  await shot(page, "cancelled-back-to-order");

  // 4. The owner creates the account, logs in and ships the paid order.
  const office = await (await browser.newContext({ viewport: { width: 1200, height: 900 }, locale: "zh-CN" })).newPage();
  watch(office, "owner");
  await office.goto(setupLink.replace(/^https?:\/\/[^/]+/, base));
  await office.fill("#username", "boss");
  await office.fill("#password", "correct horse battery");
  await office.fill("#confirm", "correct horse battery");
  await office.click("button[type=submit]");
  await office.fill("#username", "boss");
  await office.fill("#password", "correct horse battery");
  await office.click("button[type=submit]");
  await office.waitForSelector(".kpis");
  await shot(office, "dashboard");
  await office.goto(`${base}/admin/orders/${orderNo}`);
  await office.selectOption("select[name=carrier]", "SF");
  await office.fill("input[name=tracking_no]", "SF1400123456789");
  await shot(office, "order-detail");
  await office.click("form[action$='/ship'] button[type=submit]");
  await office.waitForSelector(".msg-sent");
  await shot(office, "shipped");

  // 5. The delivery message on the shopper's phone.
  await page.goto(`${base}/sandbox/phone`);
  await page.waitForSelector("text=SF1400123456789");
  await shot(page, "phone-delivery-message");

  // 6. The back office's work pages at 375 px: first steps, the settings summary, a
  //    confirmed partial refund with the reason's byte count, and a packing slip.
  const owner375 = await office.context().browser().newContext({ viewport: { width: 375, height: 812 }, deviceScaleFactor: 2, locale: "zh-CN" });
  await owner375.addCookies(await office.context().cookies());
  const desk = await owner375.newPage();
  watch(desk, "owner 375");
  await desk.goto(`${base}/admin`);
  await desk.waitForSelector("#first-steps .steps li.done");
  await shot(desk, "admin-first-steps");
  await desk.goto(`${base}/admin/settings`);
  await desk.waitForSelector("#summary .summary-list");
  await shot(desk, "admin-settings-summary");
  await desk.goto(`${base}/admin/orders/${orderNo}`);
  await desk.waitForSelector("#timeline td");
  if ((await desk.inputValue("#amount")) !== "") fail("the refund amount must start empty");
  await desk.fill("#amount", "10.00");
  await desk.fill("#reason", "杯口有小瑕疵，部分退款");
  const count = await desk.textContent("#reason-count");
  if (!count.startsWith("33/80")) fail(`the reason's bytes are counted as typed: ${count}`);
  await shot(desk, "admin-refund-form");
  await desk.click("form.refund button[type=submit]");
  await desk.waitForSelector("#refund-confirm");
  await shot(desk, "admin-refund-confirmation");
  await desk.click("#refund-confirm button[type=submit]");
  await desk.waitForSelector(".tag.refund-processing, .tag.refund-success");
  await shot(desk, "admin-refunded");
  await desk.goto(`${base}/admin/orders/${orderNo}/slip?size=label`);
  await desk.waitForSelector(".slip .qr-slip svg");
  await shot(desk, "admin-packing-slip-label");
  await desk.goto(`${base}/admin/orders/${orderNo}/slip?size=a4`);
  await desk.waitForSelector(".slip .qr-slip svg");
  await desk.emulateMedia({ media: "print" });
  await shot(desk, "admin-packing-slip-a4-print");
  await desk.emulateMedia({ media: "screen" });
  await desk.goto(`${base}/admin/ship-bulk`);
  await shot(desk, "admin-bulk-ship");
  // 6. The booth (issue 20): the booth screen on a projector-sized page updates by itself while
  // another phone buys; that phone is its own shopper with a generated name.
  const booth = await (await browser.newContext({ viewport: { width: 1280, height: 720 }, locale: "zh-CN", reducedMotion: "reduce" })).newPage();
  watch(booth, "booth");
  await booth.goto(`${base}/sandbox/booth`);
  await booth.waitForSelector(`#booth-feed li[data-id='paid-${orderNo}']`);
  await shot(booth, "booth-screen");
  const visitor = await phone();
  await visitor.goto(`${base}/p/wool-socks`);
  await visitor.click("label.variant:has-text('35–39')");
  await visitor.click("form.buy button[type=submit]");
  await visitor.goto(`${base}/checkout`);
  await visitor.fill("#name", "韩梅梅");
  await visitor.fill("#mobile", "13900139000");
  await fillAddress(visitor, ["11", "1101", "110108"], "中关村大街 27 号");
  await visitor.click("form.checkout button.primary[type=submit]");
  await visitor.waitForURL(/\/pay\/\d+/);
  const visitorOrder = visitor.url().match(/\/pay\/(\d+)/)[1];
  await booth.waitForSelector(`#booth-feed li[data-id='order-${visitorOrder}']`);
  await visitor.waitForSelector(".sb-sheet");
  for (const d of ["1", "2", "3", "4", "5", "6"]) await visitor.click(`.sb-key[data-key='${d}']`);
  await visitor.waitForSelector("#thanks", { timeout: 20000 });
  await shot(visitor, "booth-visitor-paid");
  // The booth shows the payment without a reload.
  await booth.waitForSelector(`#booth-feed li[data-id='paid-${visitorOrder}']`, { timeout: 10000 });
  await shot(booth, "booth-screen-live");
  await visitor.goto(`${base}/sandbox/phone`);
  await visitor.waitForSelector(`li[data-order='${visitorOrder}']`);
  if (await visitor.$(`li[data-order='${orderNo}']`)) fail("a visitor's phone shows another shopper's order");
  await shot(visitor, "booth-visitor-phone");
  await booth.setViewportSize({ width: 375, height: 812 });
  await shot(booth, "booth-screen-375");

  // 8. The shopper's order page at 375 px tells the story: paid, shipped with the carrier, the
  //    tracking number (copy button, the carrier's tracking page) and the partial refund.
  await page.goto(`${base}/orders/${orderNo}`);
  await page.waitForSelector("#story a.track");
  await page.waitForSelector("#story >> text=¥10.00");
  await shot(page, "order-story-tracking-partial-refund");
  await page.goto(`${base}/orders`);
  await shot(page, "my-orders");
  await page.click("#addresses-link");
  await page.waitForSelector("#address-book li");
  await shot(page, "address-book");

  // ---- issue 15 (s4-product): the product page, the cart's steppers, 320/375 px and desktop
  //      layout, the English shop. ----
  {
    const noSideScroll = async (p, what) => {
      const ok = await p.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);
      if (!ok) fail(`${what}: the page scrolls sideways`);
    };
    for (const width of [375, 320]) {
      const ctx = await browser.newContext({ viewport: { width, height: 740 }, userAgent: WECHAT_UA, deviceScaleFactor: 2, isMobile: true, hasTouch: true, locale: "zh-CN" });
      const p = await ctx.newPage();
      watch(p, `shopper@${width}`);
      await p.goto(`${base}/p/stoneware-mug`);
      if (!(await p.textContent("#headline-price")).includes("59.00")) fail("headline is not the chosen variant's price");
      await p.click("label.chip:has-text('青绿')");
      await p.waitForFunction(() => document.querySelector("#headline-price").textContent.includes("69.00"));
      await p.click("form.buy button.step[data-step='1']");
      if ((await p.inputValue("#qty")) !== "2") fail("the + stepper did not add one");
      await p.click("form.buy button.step[data-step='-1']");
      if ((await p.inputValue("#qty")) !== "1") fail("the − stepper did not take one away");
      if (!(await p.isDisabled("form.buy button.step[data-step='-1']"))) fail("− is not disabled at 1");
      await noSideScroll(p, `product at ${width}`);
      await shot(p, `s4-product-variant-${width}`);
      await p.click("form.buy button.addcart");
      await p.waitForSelector(".notice.ok");
      await p.goto(`${base}/cart`);
      const before = await p.textContent(".totals dd.grand");
      await p.click("form.qtyform button.step[data-step='1']");
      await p.waitForFunction((t) => document.querySelector(".totals dd.grand").textContent !== t, before);
      if ((await p.inputValue("form.qtyform input[name=qty]")) !== "2") fail("the cart stepper did not apply");
      if (!(await p.textContent(".top .cart-link")).includes("2")) fail("the header badge did not follow");
      await noSideScroll(p, `cart at ${width}`);
      await shot(p, `s4-cart-stepper-${width}`);
      // The checkout and a search, looked at as closely at this width.
      await p.goto(`${base}/checkout`);
      await p.waitForSelector("#place-order");
      await noSideScroll(p, `checkout at ${width}`);
      await shot(p, `s4-checkout-${width}`);
      await p.goto(`${base}/search?q=${encodeURIComponent("马克杯")}`);
      await p.waitForSelector("text=粗陶马克杯");
      await noSideScroll(p, `search at ${width}`);
      await shot(p, `s4-search-${width}`);
      for (const path of ["/", "/orders", "/service"]) {
        await p.goto(`${base}${path}`);
        await noSideScroll(p, `${path} at ${width}`);
      }
      await shot(p, `s4-service-${width}`);
      await ctx.close();
    }
    // Desktop: header, content and tab bar share one centered column.
    const wide = await (await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: "zh-CN" })).newPage();
    watch(wide, "desktop");
    await wide.goto(`${base}/`);
    const boxes = await wide.evaluate(() => ["header.top", "main", "nav.tabbar"].map((s) => {
      const r = document.querySelector(s).getBoundingClientRect();
      return [s, Math.round(r.left), Math.round(r.right)];
    }));
    const [, l0, r0] = boxes[0];
    for (const [s, l, r] of boxes) if (Math.abs(l - l0) > 1 || Math.abs(r - r0) > 1) fail(`desktop: ${s} is not aligned (${JSON.stringify(boxes)})`);
    await shot(wide, "s4-home-desktop");
    await wide.context().close();
    // The English shop: its own demo, its own words.
    const enData = mkdtempSync(join(tmpdir(), "puzi-e2e-en-"));
    const en = spawn(bin, ["demo", "--data", enData, "--listen", "127.0.0.1:0", "--lang", "en"], { stdio: ["ignore", "pipe", "inherit"] });
    try {
      const enFirst = (await readline.createInterface({ input: en.stdout })[Symbol.asyncIterator]().next()).value || "";
      const enBase = (/^listening on (http:\/\/\S+)$/.exec(enFirst) || [])[1] || fail(`english demo: ${enFirst}`);
      for (const width of [375, 320]) {
        const ctx = await browser.newContext({ viewport: { width, height: 740 }, userAgent: WECHAT_UA, deviceScaleFactor: 2, isMobile: true, hasTouch: true, locale: "en-US" });
        const p = await ctx.newPage();
        watch(p, `english@${width}`);
        await p.goto(`${enBase}/p/stoneware-mug`);
        await p.click("label.chip:has-text('Celadon')");
        await p.waitForFunction(() => document.querySelector("#headline-price").textContent.includes("69.00"));
        await noSideScroll(p, `english product at ${width}`);
        await shot(p, `s4-en-product-${width}`);
        await p.click("form.buy button.addcart");
        await p.waitForSelector(".notice.ok");
        await p.goto(`${enBase}/cart`);
        await p.waitForSelector("#free-shipping-gap");
        await noSideScroll(p, `english cart at ${width}`);
        await shot(p, `s4-en-cart-${width}`);
        await p.goto(`${enBase}/checkout`);
        await p.waitForSelector("#place-order");
        await noSideScroll(p, `english checkout at ${width}`);
        await shot(p, `s4-en-checkout-${width}`);
        await p.goto(`${enBase}/search?q=mug`);
        await p.waitForSelector("text=Stoneware mug");
        await noSideScroll(p, `english search at ${width}`);
        await shot(p, `s4-en-search-${width}`);
        await ctx.close();
      }
    } finally {
      en.kill("SIGTERM");
      rmSync(enData, { recursive: true, force: true });
    }
  }
  // ---- end of issue 15 (s4-product) ----

  // ---- issue 14 (JS-SDK): share card and "use my WeChat address" — begin ----
  // A new phone inside WeChat opens a product: wx.js gets the signed wx.config, the sandbox's
  // stand-in JS-SDK checks it like WeChat and the page's share data shows on the phone as a
  // chat card. At checkout "使用微信地址" fills the recipient and the three region selects.
  {
    const sharer = await phone();
    const configured = sharer.waitForResponse((r) => r.url().includes("/sandbox/jssdk/config"));
    const shared = sharer.waitForResponse((r) => r.url().includes("/sandbox/jssdk/share"));
    await sharer.goto(`${base}/p/longjing`);
    const check = await (await configured).json();
    if (!check.ok) fail(`wx.config refused: ${JSON.stringify(check)}`);
    await shared;
    await sharer.waitForSelector("#wx-config", { state: "attached" });
    if (await sharer.$("#sb-wx-debug")) fail("the sandbox shows a wx.config debug panel");
    await shot(sharer, "jssdk-product-in-wechat");
    await sharer.goto(`${base}/sandbox/phone`);
    await sharer.waitForSelector("#visitor-shares li.sb-share[data-link*='/p/longjing?from=share']");
    await shot(sharer, "jssdk-share-card-on-phone");
    await sharer.goto(`${base}/p/longjing`);
    await sharer.click("form.buy button[type=submit]");
    await sharer.waitForURL(/added=/);
    const ready = sharer.waitForResponse((r) => r.url().includes("/sandbox/jssdk/config") && r.frame().url().includes("/checkout"));
    await sharer.goto(`${base}/checkout`);
    if (!(await (await ready).json()).ok) fail("wx.config refused at checkout");
    await sharer.click("#wx-address");
    await sharer.waitForSelector("#wx-address[data-filled='1']");
    const filled = await sharer.evaluate(() => ["name", "mobile", "province", "city", "district", "street"].map((id) => document.getElementById(id).value));
    if (filled[4] !== "110105" || !filled[0] || !filled[5]) fail(`WeChat address not filled: ${filled}`);
    await shot(sharer, "jssdk-checkout-wechat-address");
  }
  // ---- issue 14 (JS-SDK) — end ----


  // ---- issue 15 (pricing): buy now with a variant, a coupon and a regional shipping fee ----
  {
    // The owner: a coupon and a Zhejiang template (12.00 the first item, 3.00 each further).
    await office.goto(`${base}/admin/coupons`);
    await office.fill("#code", "E2E10");
    await office.fill("#value", "10");
    await office.click("#coupon-new button.primary[type=submit]");
    await office.waitForSelector("#coupon-list >> text=E2E10");
    await shot(office, "pricing-coupons");
    await office.goto(`${base}/admin/shipping-rules`);
    await office.selectOption("#province", "33");
    await office.fill("#first_fee", "12");
    await office.fill("#additional_fee", "3");
    await office.click("#shipping-rule-new button.primary[type=submit]");
    await office.waitForSelector("#shipping-rules >> text=浙江省");
    await shot(office, "pricing-shipping-rules");
    // A new phone buys the celadon mug now (two of them), to Hangzhou, with the code: it
    // taps the variant, the + stepper and "立即购买" on the product page at 375 px.
    const buyer = await phone();
    await buyer.goto(`${base}/p/stoneware-mug`);
    await buyer.tap("label.chip:has-text('青绿')");
    await buyer.waitForFunction(() => document.querySelector("#headline-price").textContent.includes("69.00"));
    await buyer.tap("form.buy button.step[data-step='1']");
    if ((await buyer.inputValue("#qty")) !== "2") fail("buy now: the + stepper did not add one");
    await shot(buyer, "pricing-product-before-buy-now");
    if (!(await buyer.isVisible("#buy-now"))) fail("buy now: the button is not on screen");
    await buyer.tap("#buy-now");
    await buyer.waitForURL(/\/checkout\?/);
    const asked = new URL(buyer.url()).searchParams;
    if (asked.get("sku") !== "stoneware-mug-green" || asked.get("qty") !== "2") fail(`buy now went to ${buyer.url()}`);
    await buyer.waitForSelector("#name");
    await shot(buyer, "pricing-buy-now-checkout");
    await buyer.fill("#name", "韩梅梅");
    await buyer.fill("#mobile", "13900139000");
    await fillAddress(buyer, ["33", "3301", "330106"], "文三路 1 号");
    await buyer.fill("#coupon", "e2e10");
    await buyer.click("#apply-coupon");
    await buyer.waitForSelector("#discount");
    // 2 × 69.00 − 10.00 + 12.00 + 3.00 = 143.00
    await buyer.waitForSelector("#grand-total >> text=¥143.00");
    await shot(buyer, "pricing-checkout-discount-regional-fee");
    await buyer.click("#place-order");
    await buyer.waitForURL(/\/pay\/\d+/);
    await buyer.waitForSelector(".sb-sheet");
    const bought = buyer.url().match(/\/pay\/(\d+)/)[1];
    for (const d of ["1", "2", "3", "4", "5", "6"]) await buyer.click(`.sb-key[data-key='${d}']`);
    await buyer.waitForURL(/\/pay\/\d+\/result/);
    await buyer.waitForSelector("#thanks", { timeout: 20000 });
    await buyer.goto(`${base}/orders/${bought}`);
    await buyer.waitForSelector("text=−¥10.00");
    await shot(buyer, "pricing-order-with-discount");
  }
  // ---- end of issue 15 (pricing) ----

  if (problems.length) fail(`console errors or failed requests:\n  ${problems.join("\n  ")}`);
  console.log("browser suite: OK");
} catch (e) {
  console.error(`browser suite FAILED: ${e.message}`);
  if (problems.length) console.error(problems.join("\n"));
  process.exitCode = 1;
} finally {
  await browser.close();
  shop.kill("SIGTERM");
  rmSync(data, { recursive: true, force: true });
}
