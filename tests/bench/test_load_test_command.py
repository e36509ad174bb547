"""bench/load_test.py runs gunicorn as docker-compose.yml's web service does and reads the
server's CPU time from /proc."""

import os
from pathlib import Path

from bench import load_test


def test_gunicorn_runs_the_web_service_command_of_docker_compose():
    compose = load_test.compose_web_command()
    command = load_test.gunicorn_command(8123)
    assert Path(command[0]).name == "gunicorn" == compose[0]
    bind = compose.index("--bind")
    assert command[1:] == [*compose[1 : bind + 1], "127.0.0.1:8123", *compose[bind + 2 :]]
    assert "--workers" in compose  # the default worker count is docker-compose.yml's


def test_workers_can_be_overridden():
    command = load_test.gunicorn_command(8123, workers=5)
    assert command[command.index("--workers") + 1] == "5"
    assert command.count("--workers") == 1


def test_cpu_seconds_of_a_process_grows_with_its_work():
    before = load_test.cpu_seconds(os.getpid())
    sum(i * i for i in range(3_000_000))
    assert load_test.cpu_seconds(os.getpid()) > before
    assert load_test.cpu_seconds(2**22 + 12345) == 0.0  # no such process
    assert load_test.http_requests("create", 3) == 6
    assert load_test.http_requests("card", 3) == 3
