"""The complaints part of erasing a client (see clients/erasure.py): complaints and
incidents are kept for the retention period, then purged."""

from clients.erasure import Eraser
from followups.models import FollowUp

from .models import Complaint, ComplaintStep, Incident, IncidentAmendment, IncidentReport


def purge(client):
    incidents = Incident.objects.filter(client=client)
    kept = IncidentReport.objects.filter(incident__in=incidents)
    FollowUp.objects.filter(pk__in=kept.values("followup")).delete()  # their e-mails
    kept.delete()
    IncidentAmendment.objects.filter(incident__in=incidents).delete()
    incidents.delete()
    complaints = Complaint.objects.filter(client=client)
    ComplaintStep.objects.filter(complaint__in=complaints).delete()
    complaints.delete()


ERASER = Eraser(
    name="complaints",
    models=(
        "complaints.Complaint",
        "complaints.ComplaintStep",
        "complaints.Incident",
        "complaints.IncidentReport",
        "complaints.IncidentAmendment",
        "complaints.IncidentSession",  # goes with its incident
    ),
    purge=purge,
    purge_order=10,  # first: incidents refer to check-ins and sessions
    triggers=(
        "complaints.Incident:signed_incident_not_deleted",
        "complaints.IncidentReport:kept_report_not_deleted",
        "complaints.IncidentAmendment:incident_amendment_unchangeable",
    ),
)
