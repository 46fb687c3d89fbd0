from django_tasks import task

from . import services


@task()
def envoyer_message(message_id):
    """Send one message when due (see services.expedier: never twice, retried with backoff)."""
    return services.expedier(message_id)
