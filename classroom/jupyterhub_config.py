"""JupyterHub configuration of the zoo-patterns classroom lab (one machine, a Unix account per person).

Started by ``python -m zoo_patterns classroom hub --roster ROSTER.csv --data DIR``, which writes every
setting to DIR/hub-settings.json and points ``ZOO_PATTERNS_HUB_SETTINGS`` at it. The same settings
make the Zero to JupyterHub values.yaml (``python -m zoo_patterns classroom values``), so the two never
disagree (tests/test_classroom_hub.py checks it). docs/teaching.md walks through the lab.
"""

import json
import os
from pathlib import Path

c = get_config()  # noqa: F821 (JupyterHub provides it)
settings = json.loads(Path(os.environ["ZOO_PATTERNS_HUB_SETTINGS"]).read_text())
data = Path(settings["data"])

# -- where the hub listens, and its state --------------------------------------------------
c.JupyterHub.bind_url = f"http://{settings['host']}:{settings['port']}"
c.JupyterHub.hub_ip = "127.0.0.1"  # the hub's own API: only the proxy and the servers on this machine reach it
c.JupyterHub.hub_port = settings["hub_port"]
c.JupyterHub.db_url = f"sqlite:///{data / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(data / "jupyterhub_cookie_secret")
c.JupyterHub.cleanup_servers = True  # stopping the hub stops every student's server

# -- the proxy: configurable-http-proxy from npm (classroom/package.json) --------------------
# `classroom hub` starts it before the hub and stops it after (zoo_patterns/classroom.py, run_hub);
# the hub and the proxy share CONFIGPROXY_AUTH_TOKEN from the environment.
c.ConfigurableHTTPProxy.should_start = False
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{settings['proxy_api_port']}"

# -- who logs in: the roster's Unix accounts, checked by PAM ---------------------------------
c.JupyterHub.authenticator_class = "pam"
c.PAMAuthenticator.open_sessions = False  # no session modules to run (and JupyterHub's own default)
c.Authenticator.allowed_users = set(settings["teachers"] + settings["students"])
c.Authenticator.admin_users = set(settings["teachers"])
# the teacher's token for scripts (DIR/teacher-token, mode 0600)
c.JupyterHub.api_tokens = {Path(settings["teacher_token_file"]).read_text().strip(): settings["teachers"][0]}

# -- each server runs as its user, with the workbook's Python and the mirror's variables ------
c.JupyterHub.spawner_class = "localprocess"
c.Spawner.cmd = [settings["singleuser"]]
c.Spawner.notebook_dir = "~"
c.Spawner.default_url = f"/lab/tree/{settings['repo_dir']}"
c.Spawner.environment = settings["environment"]
c.Spawner.start_timeout = 180  # a JupyterLab with nbgrader's extensions takes seconds on a busy lab machine
c.Spawner.http_timeout = 180

# -- the lab mirror: `serve` on the built zoo, started and stopped by the hub -----------------
mirror = settings["mirror"]
c.JupyterHub.services = [
    {
        "name": mirror["name"],
        "command": [settings["python"], "-m", "zoo_patterns", "serve", "--dir", mirror["zoo"]]
        + ["--host", "127.0.0.1", "--port", str(mirror["port"]), "--log", str(data / "mirror.log")],
    }
]
