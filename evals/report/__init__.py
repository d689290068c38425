"""Leaderboards from run directories: results index, comparability checks, statistics, reports.

``omnieval leaderboard`` and ``omnieval runs`` live in ``evals.cli.leaderboard``;
the library entry points are ``evals.report.build.build_leaderboard`` and
``write_reports``. Nothing heavy is imported here.
"""
