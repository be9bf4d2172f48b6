from celery import Celery

# The broker is RabbitMQ, not a database: its URL is out of scope.
app = Celery(
    "jobs",
    broker="amqp://jobs:rabbitpw@rabbit:5672//",
    backend="redis://redis:6379/2",
    include=["jobs.tasks"],
)
app.conf.task_acks_late = True
