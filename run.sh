#!/usr/bin/env bash
# Set up and run the hall on this machine: SQLite, demo data, one server process.
# Usage: ./run.sh            (PORT=5000 by default; DATABASE_URL, DEMO_PASSWORD, ... as in the README)
set -euo pipefail
cd "$(dirname "$0")"

PORT="${PORT:-5000}"
PYTHON="${PYTHON:-python3}"

# SKIP_INSTALL=1 starts again with what is installed (offline; tests/test_run_sh.py).
if [ "${SKIP_INSTALL:-0}" != 1 ]; then
  if [ ! -x .venv/bin/python ]; then
    "$PYTHON" -m venv .venv
  fi
  # Hash-locked (pip-compile --generate-hashes): every package, transitive ones too, is checked.
  .venv/bin/python -m pip install -q --disable-pip-version-check --require-hashes -r requirements.txt
  if [ -f package.json ]; then
    npm ci --no-audit --no-fund --loglevel=error
  fi
fi

export FLASK_APP=wsgi
.venv/bin/flask db upgrade
# The demo hall with a past month of tickets, cases and ratings, so charts and reports show something
# at once (added once per day, never twice); DEMO_HISTORY=0 loads the hall alone.
DEMO_HISTORY="${DEMO_HISTORY:-1}" .venv/bin/flask demo load

cat <<INFO

  wuban 五办政务服务大厅 is running — 中山市西区行政服务中心 (hall: xiqu)

  首页 Start page            http://127.0.0.1:${PORT}/
  叫号大屏 Display board      http://127.0.0.1:${PORT}/board/xiqu      (竖屏 portrait: ?layout=portrait)
  自助取号机 Kiosk            http://127.0.0.1:${PORT}/kiosk/xiqu
  窗口工作台 Clerk screen     http://127.0.0.1:${PORT}/windows/xiqu    (login: clerk1 / demo; 受理 F10, 15号窗口统一出件)
  后台审批 Back office        http://127.0.0.1:${PORT}/backoffice/     (login: approver_scjg / demo)
  办件进度 Case progress      http://127.0.0.1:${PORT}/progress/       (case number + applicant's phone)
  办事门户 Citizen portal     http://127.0.0.1:${PORT}/portal/         (网上办; 预约 booking: /book/xiqu)
  监督中心 Supervisor         http://127.0.0.1:${PORT}/supervisor/     (login: supervisor1 / demo; 报表 /reports/)
  城市大厅 City of halls      http://127.0.0.1:${PORT}/api/v1/halls    (西区 xiqu → 彩虹 caihong、长洲 changzhou、隆昌 longchang → 小区站; 东区 dongqu)
  社区取号机 Community kiosk  http://127.0.0.1:${PORT}/kiosk/caihong   (only the items 彩虹社区 accepts)
  评价器 Evaluator            http://127.0.0.1:${PORT}/evaluate/       (the citizen-facing rating screen of a window)
  接口说明 API (OpenAPI)     http://127.0.0.1:${PORT}/api/v1/openapi.json
  健康检查 Health            http://127.0.0.1:${PORT}/healthz

  演示账号 Demo logins (password: ${DEMO_PASSWORD:-demo})
    admin           系统管理员（全部角色 all roles）
    clerk1..clerk6  窗口工作人员 window clerks
    approver_scjg   审批人员（市场监管）approver, and approver_<department> for each department
    supervisor1     监督人员 supervisor
    agent1          代办员 agent
    caihong_clerk   彩虹社区窗口 community clerk; supervisor_caihong 彩虹社区督查 (its branch only)
    dongqu_clerk1   东区窗口 clerk of the second district; dongqu_approver_scjg 东区审批; supervisor_dongqu

  SMS to applicants are written to instance/notifications.log (NOTIFIER=log).

  Stop with Ctrl-C.
INFO

# The scheduler (deadline alerts, closing time, "your turn is near", booking reminders): without
# REDIS_URL the server runs it itself, so its events reach the open screens at once (gunicorn.conf.py);
# with Redis it runs beside the web server, once, and stops with it.
if [ -n "${REDIS_URL:-}" ]; then
  .venv/bin/flask scheduler run &
  scheduler=$!
  trap 'kill "$scheduler" 2>/dev/null' EXIT INT TERM
fi
.venv/bin/gunicorn -c gunicorn.conf.py -b "127.0.0.1:${PORT}" wsgi:app
