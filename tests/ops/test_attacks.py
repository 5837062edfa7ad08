"""Short versions of bench/attack.py for `make test`: each attack of issue 13 for a few seconds against
the intake with the shipped gunicorn config on PostgreSQL (loopback only, bounded), while a genuine
person loads the form, sends a small report and looks the codename up. The person must get through
every time, every hostile body is answered 4xx, and no worker grows more than 64 MiB."""

from __future__ import annotations

import pytest

from tests.support import attacks
from tests.support.servers import Gunicorn, prepare_instance

pytestmark = [pytest.mark.slow, pytest.mark.postgres]
SECONDS = 5.0
SHORT = {
    attacks.SlowBodies: lambda port: attacks.SlowBodies(port, connections=200),
    attacks.IdleConnections: lambda port: attacks.IdleConnections(port, connections=200),
    attacks.JunkPosts: lambda port: attacks.JunkPosts(port, rate=100),
    attacks.ValidTokenFlood: lambda port: attacks.ValidTokenFlood(port, clients=4),
    attacks.WrongCodenames: lambda port: attacks.WrongCodenames(port, clients=4),
    attacks.HostileBodies: lambda port: attacks.HostileBodies(port, size=40 * attacks.MIB),
}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory):
    from tests.support.servers import ServiceMissing, postgres_database

    base = tmp_path_factory.mktemp("attacks")
    try:
        with postgres_database() as url:
            instance = prepare_instance(base / "instance", url)
            with Gunicorn(
                instance,
                base / "logs",
                workers=2,
                REPRISAL_INTAKE_SUBMIT_LIMIT="10 per minute",
                REPRISAL_INTAKE_LOOKUP_LIMIT="10 per minute",
            ) as gunicorn:
                yield gunicorn
    except ServiceMissing as error:
        from tests.support.services import require_service

        require_service("PostgreSQL at 127.0.0.1:5432", str(error))


@pytest.mark.parametrize("attack", attacks.ATTACKS, ids=lambda a: a.__name__)
def test_the_person_gets_through_the_attack(server: Gunicorn, attack: type) -> None:
    outcome = attacks.run_attack(SHORT[attack], server.port, server.worker_pids, SECONDS)
    print(attacks.describe(outcome))
    person = outcome.person
    assert person.visits >= 3, attacks.describe(outcome)
    assert person.succeeded == person.visits, attacks.describe(outcome)
    assert outcome.growth_mib <= 64, attacks.describe(outcome)
    if attack is attacks.HostileBodies:
        assert outcome.answers and all(400 <= s < 500 for s in outcome.answers), outcome.answers
    assert "unhandled" not in server.log()
