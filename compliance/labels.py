"""Chinese-first labels for statuses, shared by every human-facing output."""

STATUS_LABEL = {
    "pass": "通过 pass",
    "fail": "未达标 fail",
    "not_applicable": "不适用 n/a",
    "not_reported": "未报送 not reported",
    "error": "数据矛盾 error",
    "invalid": "报告无效 invalid",
}
