"""``sentinel gitlab-note``: the bot's sticky comment as one GitLab merge-request note.

Reads the results file of ``sentinel check --results-file`` (its run record must hold), renders
the same comment as on GitHub, and creates, edits, deletes or leaves the one note carrying the
marker. The GitLab predefined variables give the defaults (``CI_SERVER_URL``, ``CI_PROJECT_ID``,
``CI_MERGE_REQUEST_IID``, ``CI_COMMIT_SHA``, ``CI_PIPELINE_URL``); the token comes from
``SENTINEL_GITLAB_TOKEN`` only (a project access token with the ``api`` scope: GitLab's
``CI_JOB_TOKEN`` may not write notes), never from the command line, where ``ps`` would show it.
"""

from __future__ import annotations

import os
import sys
from dataclasses import replace
from pathlib import Path

import click
import jinja2

from sentinel.cli.options import config_option
from sentinel.config import Config
from sentinel.errors import UsageError


@click.command("gitlab-note")
@click.option("--results", "results", type=click.Path(path_type=Path, dir_okay=False), required=True,
              help="Results file from `sentinel check --results-file`.")
@click.option("--url", envvar="CI_SERVER_URL", metavar="URL", help="GitLab URL (default: $CI_SERVER_URL).")
@click.option("--project", envvar="CI_PROJECT_ID", metavar="ID",
              help="Project id or path (default: $CI_PROJECT_ID).")
@click.option("--mr", "merge_request", envvar="CI_MERGE_REQUEST_IID", type=int, metavar="IID",
              help="Merge request iid (default: $CI_MERGE_REQUEST_IID).")
@click.option("--sha", envvar="CI_COMMIT_SHA", metavar="SHA", help="Head commit (default: $CI_COMMIT_SHA).")
@click.option("--report-url", envvar="CI_PIPELINE_URL", metavar="URL",
              help="Link to the full report (default: $CI_PIPELINE_URL).")
@click.option("--dry-run", is_flag=True, help="Print the note; post nothing (no token needed).")
@config_option
def gitlab_note(
    results: Path,
    url: str | None,
    project: str | None,
    merge_request: int | None,
    sha: str | None,
    report_url: str | None,
    dry_run: bool,
    config: Config,
) -> None:
    """Post or update the one Sentinel note on a GitLab merge request; exit 2 when it cannot be posted."""
    from sentinel.bot.comment import upsert_comment
    from sentinel.bot.context import GitHubContext
    from sentinel.bot.findings import collect, load_run
    from sentinel.bot.github_port import ApiError
    from sentinel.bot.render import Renderer
    from sentinel.bot.settings import load_settings

    found, notices = load_run(results)
    findings = collect(found)
    settings = load_settings(config)
    if report_url:
        settings = replace(settings, report_url=report_url)
    # No repository: GitHub's blob and check links would be wrong on GitLab, so none are made.
    renderer = Renderer(settings, GitHubContext(head_sha=sha))
    renderer.env.globals.update(notices=list(notices), left_out=0, filter_mode="nofilter")
    _use_gitlab_footer(renderer.env)
    body = renderer.comment(findings)
    if dry_run:
        click.echo(body)
        return
    if merge_request is None:
        click.echo("sentinel: not a merge request pipeline (no CI_MERGE_REQUEST_IID); no note posted",
                   err=True)
        return
    token = os.environ.get("SENTINEL_GITLAB_TOKEN", "")
    if not (url and project and token):
        needed = (("--url/CI_SERVER_URL", url), ("--project/CI_PROJECT_ID", project),
                  ("SENTINEL_GITLAB_TOKEN", token))
        missing = [name for name, value in needed if not value]
        raise UsageError(f"gitlab-note needs {', '.join(missing)}")
    from sentinel.bot.gitlab_port import GitLabNotesPort

    try:
        port = GitLabNotesPort(url, token, project, merge_request)
    except ImportError as exc:  # python-gitlab is an optional dependency
        raise UsageError("sentinel gitlab-note needs python-gitlab: pip install python-gitlab") from exc
    try:
        outcome = upsert_comment(port.as_comment_port(), merge_request, body, not findings, settings,
                                 lambda previous: renderer.comment(findings, previous))
    except ApiError as exc:
        click.echo(f"sentinel: the note could not be posted: {exc}", err=True)
        sys.exit(2)
    click.echo(f"sentinel: {outcome.action}", err=True)


# GitHub's footer names the recheck comment command and the check run; GitLab has neither.
GITLAB_FOOTER = """---
{% if notices is defined and notices %}
<sub>Notes: {% for notice in notices[:20] %}{{ notice|clip(200)|md }}{{ "; " if not loop.last else "" }}\
{% endfor %}{% if notices|length > 20 %}; and {{ notices|length - 20 }} more{% endif %}.</sub>

{% endif %}
<sub>Re-run the pipeline to run Sentinel again\
{% if report_url %} · [Full report]({{ report_url }}){% endif %}</sub>
"""


def _use_gitlab_footer(env: jinja2.Environment) -> None:
    """The GitLab footer in place of the packaged one; a ``bot.templates`` folder still wins."""
    loader = env.loader
    assert isinstance(loader, jinja2.ChoiceLoader)
    gitlab = jinja2.DictLoader({"footer.md.j2": GITLAB_FOOTER})
    env.loader = jinja2.ChoiceLoader([*loader.loaders[:-1], gitlab, loader.loaders[-1]])
