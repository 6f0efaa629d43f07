"""Supervision (监督): time-limit monitor and alerts, ratings (好差评) and rectification, figures."""
