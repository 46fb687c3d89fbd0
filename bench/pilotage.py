"""The pilots' dashboard on a national base: PILOTAGE_JEUNES young people (default 50,000; the issue's target is
1,000,000) with ten events each, spread over 20 départements, generated in SQL (generate_series) on PostgreSQL; then
each journey's synthesis, which the application writes as the records are written, by batches (sas.pilotage.donnees).

Server time of the dashboard page (Django's test client) for one département and for the whole country, against
hand-written SQL of the same aggregates (the funnel and the signalements per month and source) run in the same
benchmark. Targets: ≤ 1 s for a département, ≤ 3 s for the country, ≤ 2× the SQL. Needs DATABASE_URL on PostgreSQL
(e.g. postgres://postgres@127.0.0.1:5432/sas_bench_pilotage: the bench builds and drops its test database).
"""

import os
import statistics
import sys
import time

from common import CHEMIN, report, test_database

JEUNES = int(os.environ.get("PILOTAGE_JEUNES", "50000"))
EVENEMENTS_PAR_JEUNE = 10
DEPARTEMENTS = 20
RUNS = 3
LOT = 20000


def _insert_select(cursor, model, count_sql, exprs):
    """INSERT INTO model's table SELECT … FROM (count_sql) g: `exprs` gives some columns as SQL; the others get their
    default (NULL, '', false, now(), a random uuid), so that the rows are those the application would write."""
    from django.db import models

    columns, values = [], []
    for field in model._meta.concrete_fields:
        if field.primary_key and isinstance(field, models.AutoField):
            continue
        columns.append(field.column)
        if field.column in exprs:
            values.append(exprs[field.column])
        elif field.null:
            values.append("NULL")
        elif isinstance(field, models.UUIDField):
            values.append("gen_random_uuid()")
        elif isinstance(field, models.DateTimeField):
            values.append("now()")
        elif isinstance(field, models.JSONField):
            values.append("'{}'::jsonb" if field.default is dict else "'[]'::jsonb")
        elif isinstance(field, models.BooleanField):
            values.append("true" if field.default is True else "false")
        elif isinstance(field, models.IntegerField):
            values.append(str(field.default if isinstance(field.default, int) else 0))
        else:
            values.append("''")
    cursor.execute(
        # The benchmark's own table and column names, no outside input.
        f"INSERT INTO {model._meta.db_table} ({', '.join(columns)}) SELECT {', '.join(values)} FROM {count_sql}"  # noqa: S608
    )


def build():
    """20 départements with a territory, a SAS team, five prescribers and a pilot each, a national pilot, then the
    young people, journeys, signalements and events in SQL."""
    from django.db import connection

    from sas.communes.models import Commune, Departement
    from sas.jeunes.models import Jeune
    from sas.organisations.factories import MembershipFactory, OrganisationFactory, TerritoryFactory, UserFactory
    from sas.organisations.models import OrganisationKind, Role
    from sas.parcours.models import Parcours, ParcoursEvent, Signalement
    from sas.pilotage import donnees

    national = UserFactory()
    pilotes = {}
    for d in range(DEPARTEMENTS):
        code = f"{d + 1:02d}"
        departement = Departement.objects.create(code=code, nom=f"Département {code}")
        communes = Commune.objects.bulk_create(
            Commune(
                code_insee=f"{code}{c:03d}",
                nom=f"Commune {code}-{c}",
                nom_normalise=f"commune {code} {c}",
                codes_postaux=f"{code}000",
                departement=departement,
            )
            for c in range(10)
        )
        territory = TerritoryFactory(nom=f"Territoire {code}")
        territory.communes.set(communes)
        for kind in OrganisationKind.values[:5]:
            OrganisationFactory(territory=territory, kind=kind)
        pilotage = OrganisationFactory(territory=territory, kind=OrganisationKind.PILOTAGE)
        MembershipFactory(organisation=pilotage, role=Role.PILOTE, user=national)
        pilotes[code] = MembershipFactory(organisation=pilotage, role=Role.PILOTE).user
    with connection.cursor() as cursor:
        # Generated rows are consistent by construction: no per-row foreign key check or trigger while inserting.
        cursor.execute("SET session_replication_role = replica")
        # Young people: commune by number, birth dates over 15–29, sex and QPV said for some.
        _insert_select(
            cursor,
            Jeune,
            f"generate_series(1, {JEUNES}) n",
            {
                "prenom": "'Jeune'",
                "commune_id": f"lpad(((n % {DEPARTEMENTS}) + 1)::text, 2, '0') || lpad((n % 10)::text, 3, '0')",
                "date_naissance": "date '2000-01-01' + (n % 4000)",
                "sexe": "(ARRAY['f', 'h', ''])[1 + n % 3]",
                "qpv": "CASE n % 4 WHEN 0 THEN true WHEN 1 THEN false END",
            },
        )
        # One journey each, signalled over the last twelve months, in its département's territory.
        _insert_select(
            cursor,
            Parcours,
            "jeunes_jeune j JOIN communes_commune c ON c.code_insee = j.commune_id "
            "JOIN organisations_territory t ON t.nom = 'Territoire ' || c.departement_id",
            {
                "jeune_id": "j.id",
                "territory_id": "t.id",
                "status": "'signale'",
                "created_at": "now() - (j.id % 365) * interval '1 day' - (j.id % 24) * interval '1 hour'",
                "status_changed_at": "now()",
            },
        )
        _insert_select(
            cursor,
            Signalement,
            "parcours_parcours p JOIN LATERAL (SELECT o.id FROM organisations_organisation o "
            "WHERE o.territory_id = p.territory_id AND o.kind IN ('ase', 'spip', 'mission_locale', 'ecole', "
            "'association') ORDER BY o.id OFFSET p.id % 5 LIMIT 1) o ON true",
            {
                "parcours_id": "p.id",
                "organisation_id": "CASE WHEN p.id % 10 = 0 OR p.id % 15 = 0 THEN NULL ELSE o.id END",
                "source": "CASE WHEN p.id % 10 = 0 THEN 'proche' WHEN p.id % 15 = 0 THEN 'jeune' "
                "ELSE 'prescripteur' END",
                "created_at": "p.created_at",
                "attache_le": "p.created_at",
            },
        )
        # Each journey walks the path to a depth of its own, one step every three days, then messages and calls
        # up to ten events.
        chemin = "ARRAY[" + ", ".join(f"'{s}'" for s in CHEMIN) + "]"
        _insert_select(
            cursor,
            ParcoursEvent,
            f"parcours_parcours p CROSS JOIN LATERAL generate_series(0, (p.id * 7919) % {len(CHEMIN)}) k",
            {
                "parcours_id": "p.id",
                "kind": "'transition'",
                "from_status": f"COALESCE(({chemin})[k], '')",
                "to_status": f"({chemin})[k + 1]",
                "occurred_at": "p.created_at + k * interval '3 days'",
            },
        )
        _insert_select(
            cursor,
            ParcoursEvent,
            f"parcours_parcours p CROSS JOIN LATERAL generate_series(1, {EVENEMENTS_PAR_JEUNE - 1} - "
            f"(p.id * 7919) % {len(CHEMIN)}) k",
            {
                "parcours_id": "p.id",
                "kind": "CASE WHEN k % 2 = 0 THEN 'message' ELSE 'contact' END",
                "from_status": "'signale'",
                "to_status": "'signale'",
                "occurred_at": "p.created_at + k * interval '1 day'",
            },
        )
        cursor.execute(
            f"UPDATE parcours_parcours p SET status = ({chemin})[1 + (p.id * 7919) % {len(CHEMIN)}], "  # noqa: S608
            f"status_changed_at = p.created_at + ((p.id * 7919) % {len(CHEMIN)}) * interval '3 days'"
        )
        cursor.execute("SET session_replication_role = DEFAULT")
        cursor.execute("SELECT count(*) FROM parcours_parcoursevent")
        events = cursor.fetchone()[0]
    # The syntheses the application writes as each record is written, here by batches of journeys.
    pks = list(Parcours.objects.order_by("pk").values_list("pk", flat=True))
    for i in range(0, len(pks), LOT):
        donnees.rafraichir(Parcours.objects.filter(pk__gte=pks[i], pk__lte=pks[min(i + LOT, len(pks)) - 1]))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return national, pilotes, events


SQL = """
WITH p AS (
    SELECT p.id, p.created_at, s.source FROM parcours_parcours p
    JOIN jeunes_jeune j ON j.id = p.jeune_id JOIN communes_commune c ON c.code_insee = j.commune_id
    LEFT JOIN LATERAL (SELECT source FROM parcours_signalement s WHERE s.parcours_id = p.id
                       ORDER BY s.created_at, s.id LIMIT 1) s ON true
    WHERE p.territory_id = ANY(%(territoires)s) AND p.created_at >= %(debut)s AND p.created_at < %(fin)s
      AND (%(departement)s = '' OR c.departement_id = %(departement)s)
), atteint AS (
    SELECT e.parcours_id, bool_or(e.to_status = 'contacte') AS contacte,
           bool_or(e.to_status = 'diagnostic_fait') AS diagnostic,
           bool_or(e.to_status = 'orientation_envoyee') AS oriente,
           bool_or(e.to_status = 'pris_en_charge') AS pris
    FROM parcours_parcoursevent e JOIN p ON p.id = e.parcours_id
    WHERE e.kind = 'transition' GROUP BY e.parcours_id
)
SELECT (SELECT count(*) FROM p), count(*) FILTER (WHERE contacte), count(*) FILTER (WHERE diagnostic),
       count(*) FILTER (WHERE oriente), count(*) FILTER (WHERE pris),
       (SELECT array_agg(n) FROM (SELECT count(*) n FROM p GROUP BY date_trunc('month', created_at), source) m)
FROM atteint
"""


def main():
    from django.db import connection

    if connection.vendor != "postgresql":
        sys.exit("bench pilotage : PostgreSQL requis (DATABASE_URL=postgres://…)")
    from django.conf import settings
    from django.test import Client

    from sas.organisations.models import Territory
    from sas.pilotage.forms import mois_par_defaut

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    # The bench's pilots log in by force_login: their passwords need no slow hash.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    start = time.perf_counter()
    national, pilotes, events = build()
    report("pilotage", "jeunes", JEUNES, "rows")
    report("pilotage", "evenements", events, "rows")
    report("pilotage", "generation", time.perf_counter() - start, "s")
    debut, fin = mois_par_defaut()
    from sas.pilotage.donnees import Filtre

    bornes = Filtre((), debut, fin).bornes()

    def page(user, params):
        client = Client()
        client.force_login(user)
        client.get("/pilotage/", params)  # warm up
        times = []
        for _ in range(RUNS):
            t = time.perf_counter()
            assert client.get("/pilotage/", params).status_code == 200
            times.append(time.perf_counter() - t)
        return statistics.median(times)

    def sql(territoires, departement):
        times = []
        for _ in range(RUNS):
            t = time.perf_counter()
            with connection.cursor() as cursor:
                cursor.execute(
                    SQL,
                    {
                        "territoires": territoires,
                        "debut": bornes[0],
                        "fin": bornes[1],
                        "departement": departement,
                    },
                )
                cursor.fetchall()
            times.append(time.perf_counter() - t)
        return statistics.median(times)

    un = Territory.objects.get(nom="Territoire 01")
    tous = list(Territory.objects.values_list("pk", flat=True))
    for nom, user, params, territoires, departement in (
        ("departement", pilotes["01"], {"departement": "01"}, [un.pk], "01"),
        ("pays", national, {}, tous, ""),
    ):
        temps_page = page(user, params)
        temps_sql = sql(territoires, departement)
        report("pilotage", f"{nom}_page", temps_page, "s")
        report("pilotage", f"{nom}_sql", temps_sql, "s")
        report("pilotage", f"{nom}_ratio_sql", temps_page / temps_sql, "x")


if __name__ == "__main__":
    with test_database():
        main()
