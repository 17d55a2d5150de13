"""Drives the puzi sandbox with the Python SDK `wechatpayv3` (PyPI), a WeChat Pay client
nobody here wrote: a JSAPI order, the payment sheet's confirm with the SDK's own paySign,
the notification verified and decrypted by the SDK, query, refund, refund query and close.
The SDK verifies every 2xx answer's signature itself and raises when one does not verify.
It runs twice: with the WeChat Pay public key (`PUB_KEY_ID_…`), and with platform
certificates, downloaded from the sandbox's `/v3/certificates` by the SDK.

Usage: python3 wechatpayv3_sandbox.py http://HOST:PORT/sandbox <data>/sandbox
Run by tests/it/sandbox_sdk.rs; prints `ok` and exits 0 when everything held.
"""

import json
import os
import shutil
import sys
import tempfile
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, HTTPServer

import requests
from wechatpayv3 import WeChatPay, WeChatPayType

BASE, SBDIR = sys.argv[1], sys.argv[2]
M = json.load(open(os.path.join(SBDIR, "sandbox.json"), encoding="utf-8"))
OPENID = "oTestOpenid0000000000000000001"


def read(key):
    with open(os.path.join(SBDIR, M[key]), encoding="utf-8") as f:
        return f.read()


RECEIVED = []


class Notify(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        RECEIVED.append((dict(self.headers.items()), body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


SERVER = HTTPServer(("127.0.0.1", 0), Notify)
threading.Thread(target=SERVER.serve_forever, daemon=True).start()
NOTIFY_URL = "http://127.0.0.1:%d/notify" % SERVER.server_port


def client(**kw):
    wx = WeChatPay(
        wechatpay_type=WeChatPayType.JSAPI,
        mchid=M["mchid"],
        private_key=read("merchant_key_file"),
        cert_serial_no=M["merchant_serial_no"],
        appid=M["appid"],
        apiv3_key=M["apiv3_key"],
        notify_url=NOTIFY_URL,
        **kw,
    )
    # The SDK has no base-URL option; it signs the path it requests (`/v3/…`) and sends it
    # to the gateway plus that path, as SDKs with a base URL do.
    wx._core._gate_way = BASE
    return wx


def expect(cond, what):
    if not cond:
        raise SystemExit("FAILED: " + what)


def no(prefix):
    return prefix + uuid.uuid4().hex[:16].upper()


def order_and_pay(wx, verify_notification):
    out_trade_no = no("PY")
    code, msg = wx.pay(
        description="铺子-Python SDK",
        out_trade_no=out_trade_no,
        amount={"total": 1990, "currency": "CNY"},
        payer={"openid": OPENID},
    )
    expect(code == 200, "order: %s %s" % (code, msg))
    prepay_id = json.loads(msg)["prepay_id"]
    # What the page hands to getBrandWCPayRequest, signed by the SDK.
    ts, nonce = str(int(time.time())), uuid.uuid4().hex
    package = "prepay_id=" + prepay_id
    r = requests.post(
        BASE + "/pay/confirm",
        json={
            "appId": M["appid"],
            "timeStamp": ts,
            "nonceStr": nonce,
            "package": package,
            "signType": "RSA",
            "paySign": wx.sign([M["appid"], ts, nonce, package]),
            "password": "123456",
        },
        timeout=10,
    )
    expect(r.json().get("ok") is True, "sheet confirm: %s" % r.text)
    transaction_id = r.json()["transaction_id"]
    if verify_notification:
        # The sandbox delivers before the sheet returns.
        expect(len(RECEIVED) == 1, "one notification, got %d" % len(RECEIVED))
        headers, body = RECEIVED.pop()
        n = wx.callback(headers, body)
        expect(n is not None, "notification did not verify or decrypt")
        expect(n["event_type"] == "TRANSACTION.SUCCESS", str(n))
        res = n["resource"]
        expect(res["out_trade_no"] == out_trade_no, str(res))
        expect(res["transaction_id"] == transaction_id, str(res))
        expect(res["trade_state"] == "SUCCESS", str(res))
        expect(res["amount"]["total"] == 1990, str(res))
    else:
        RECEIVED.clear()
    code, msg = wx.query(out_trade_no=out_trade_no)
    expect(code == 200, "query: %s %s" % (code, msg))
    q = json.loads(msg)
    expect(q["trade_state"] == "SUCCESS", msg)
    expect(q["transaction_id"] == transaction_id, msg)
    return out_trade_no, transaction_id


def public_key_mode():
    wx = client(public_key=read("public_key_file"), public_key_id=M["public_key_id"])
    _, transaction_id = order_and_pay(wx, verify_notification=True)
    out_refund_no = no("PYR")
    code, msg = wx.refund(
        out_refund_no=out_refund_no,
        amount={"refund": 990, "total": 1990, "currency": "CNY"},
        transaction_id=transaction_id,
        reason="Python SDK 退款",
    )
    expect(code == 200, "refund: %s %s" % (code, msg))
    expect(json.loads(msg)["status"] in ("PROCESSING", "SUCCESS"), msg)
    code, msg = wx.query_refund(out_refund_no=out_refund_no)
    expect(code == 200, "refund query: %s %s" % (code, msg))
    expect(json.loads(msg)["amount"]["refund"] == 990, msg)
    # Close answers 204 with an empty body, which the SDK verifies too.
    other = no("PYC")
    code, msg = wx.pay(
        description="铺子-Python SDK",
        out_trade_no=other,
        amount={"total": 100, "currency": "CNY"},
        payer={"openid": OPENID},
    )
    expect(code == 200, "order to close: %s %s" % (code, msg))
    code, msg = wx.close(out_trade_no=other)
    expect(code == 204, "close: %s %s" % (code, msg))
    code, msg = wx.query(out_trade_no=other)
    expect(code == 200 and json.loads(msg)["trade_state"] == "CLOSED", msg)
    # An error answer reaches the SDK as WeChat's error body.
    code, msg = wx.query(out_trade_no=no("NOSUCH"))
    expect(code == 404 and json.loads(msg)["code"] == "ORDER_NOT_EXIST", "%s %s" % (code, msg))


def certificate_mode():
    # The SDK insists on a platform certificate before its first call and would fetch it
    # from real WeChat, so it starts from the sandbox's certificate file, then downloads
    # and decrypts the list from the sandbox itself.
    cert_dir = tempfile.mkdtemp()
    try:
        shutil.copy(
            os.path.join(SBDIR, M["platform_cert_file"]),
            os.path.join(cert_dir, M["platform_serial_no"] + ".pem"),
        )
        wx = client(cert_dir=cert_dir)
        wx._core._update_certificates()
        serials = [c.serial_number for c in wx._core._certificates]
        expect(serials == [int(M["platform_serial_no"], 16)], "certificates: %s" % serials)
        order_and_pay(wx, verify_notification=False)
    finally:
        shutil.rmtree(cert_dir)


public_key_mode()
certificate_mode()
print("ok")
