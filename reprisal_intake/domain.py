"""The domain's vocabularies (docs/domain.md), kept as data so they can grow.

Each vocabulary is a tuple of (code, label) pairs; codes are stored, labels are shown and translated.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

SUBMITTER_ROLES = (
    ("victim", _l("I am the person who suffered the reprisal")),
    ("relative", _l("A relative")),
    ("representative", _l("A lawyer or representative")),
    ("ngo", _l("A non-governmental organisation")),
    ("nhri", _l("A national human rights institution")),
    ("witness", _l("A witness")),
    ("other", _l("Someone else")),
)

VICTIM_TYPES = (
    ("individual", _l("One person")),
    ("group", _l("A group of people")),
    ("organisation", _l("An organisation")),
    ("community", _l("A community")),
)

VICTIM_PROFILES = (
    ("defender", _l("Human rights defender")),
    ("journalist", _l("Journalist")),
    ("lawyer", _l("Lawyer")),
    ("relative", _l("Relative of someone who cooperated")),
    ("witness", _l("Witness")),
    ("nhri_npm", _l("Member of an NHRI or national preventive mechanism")),
    ("official", _l("Official")),
    ("indigenous", _l("Indigenous representative")),
    ("other", _l("Other")),
)

RELATIONS = (
    ("sought", _l("Tried to cooperate")),
    ("cooperating", _l("Is cooperating now")),
    ("cooperated", _l("Cooperated in the past")),
    ("perceived", _l("Was thought to be cooperating")),
    ("relative", _l("Is a relative of someone who cooperated")),
    ("assisted", _l("Helped someone who cooperated")),
)

ACTIVITIES = (
    ("state_review", _l("Information for the review of a State")),
    ("communication", _l("An individual communication or complaint")),
    ("urgent_action", _l("An urgent action or urgent appeal")),
    ("session", _l("Attending a session")),
    ("visit", _l("Meeting a visiting expert or delegation")),
    ("detention_interview", _l("An interview in detention")),
    ("upr", _l("A Universal Periodic Review submission")),
    ("forum", _l("Taking part in a forum")),
    ("other", _l("Other")),
)

ACTS = (
    ("threat", _l("Threats")),
    ("death_threat", _l("Death threats")),
    ("harassment", _l("Harassment by officials")),
    ("summons", _l("Summons or interrogation")),
    ("surveillance", _l("Surveillance (physical or online)")),
    ("hacking", _l("Hacking of phones, computers or accounts")),
    ("smear", _l("Smear campaign or hate speech")),
    ("travel_ban", _l("Travel ban")),
    ("passport", _l("Passport confiscated")),
    ("accreditation", _l("Accreditation denied")),
    ("restrictive_law", _l("A restrictive law applied")),
    ("charges", _l("Criminal charges")),
    ("fines", _l("Fines")),
    ("arrest", _l("Arbitrary arrest or detention")),
    ("prison", _l("Prison sentence")),
    ("house_arrest", _l("House arrest")),
    ("ill_treatment", _l("Ill-treatment")),
    ("torture", _l("Torture")),
    ("sexual_violence", _l("Sexual violence")),
    ("medical_care", _l("Medical care denied")),
    ("disappearance", _l("Enforced disappearance or abduction")),
    ("killing", _l("Killing or attempted killing")),
    ("raid", _l("Raid or damage to property")),
    ("dissolution", _l("Organisation dissolved")),
    ("dismissal", _l("Dismissal from work or disbarment")),
    ("family", _l("Reprisals against family members")),
    ("exile", _l("Deportation or forced exile")),
    ("transnational", _l("Targeted abroad (transnational repression)")),
    # Added for the Secretary-General's reports (issue 16); the codes above stay valid.
    ("assault", _l("Physical assault")),
    ("asset_freeze", _l("Assets frozen or bank account closed")),
    ("funding", _l("Funding restricted or blocked")),
    ("labelling", _l('Labelled a "foreign agent" or "terrorist"')),
    ("security_charges", _l("Counter-terrorism or national security charges")),
    ("un_access", _l("Denied access to UN premises or meetings")),
    ("doxxing", _l("Personal details published, online harassment")),
    ("confiscation", _l("Phone, computer or documents confiscated")),
    ("self_censorship", _l("Stopped cooperating or speaking out for fear")),
    ("other", _l("Something else")),
)

PERPETRATORS = (
    ("security_forces", _l("Security forces")),
    ("police", _l("Police")),
    ("judiciary", _l("Judiciary")),
    ("official", _l("Other officials")),
    ("armed_group", _l("Non-State armed group")),
    ("company", _l("A company")),
    ("community", _l("Members of the community")),
    ("detention_staff", _l("Prison or detention staff")),
    ("detainees", _l("Fellow detainees")),
    ("foreign_state", _l("Another State (transnational repression)")),
    ("aligned_media", _l("State-aligned media or online accounts")),
    ("unknown", _l("Unknown")),
)

SETTINGS = (
    ("offline", _l("In person")),
    ("online", _l("Online")),
    ("both", _l("Both")),
)

URGENCIES = (
    ("immediate", _l("Life or liberty is at immediate risk (detention, disappearance, torture)")),
    ("urgent", _l("Urgent")),
    ("not_urgent", _l("Not urgent")),
)

IN_DETENTION = (
    ("yes", _l("Yes")),
    ("no", _l("No")),
    ("unknown", _l("I do not know")),
)

CASE_STATUSES = (
    "received",
    "triaged",
    "consent_pending",
    "under_assessment",
    "action_planned",
    "action_taken",
    "awaiting_state_reply",
    "follow_up",
    "out_of_scope",
    "referred_elsewhere",
    "closed",
    "on_hold",
)

# Consent scopes of docs/domain.md. "share_with" is asked per named mechanism (Consent.mechanism_code).
CONSENT_SCOPES = (
    ("store_assess", _l("Keep this report and assess it")),
    ("contact", _l("Contact me outside this service (phone, e-mail, meeting)")),
    ("share_with", _l("Share it with another mechanism I name")),
    (
        "share_identity",
        _l("Give my names and contact details to the mechanisms it is shared with"),
    ),
    ("state_named", _l("Raise it confidentially with the State, naming the person")),
    ("state_anonymised", _l("Raise it confidentially with the State, without naming anyone")),
    ("other_states_named", _l("Tell other States or diplomats, naming the person")),
    ("other_states_anonymised", _l("Tell other States or diplomats, without naming anyone")),
    ("public_named", _l("Public statement naming the person")),
    ("public_anonymised", _l("Public statement without names")),
    ("sg_report_named", _l("The Secretary-General's annual report, naming the person")),
    ("sg_report_anonymised", _l("The Secretary-General's annual report, without names")),
    ("committee_report", _l("A committee's annual report")),
    ("statistics", _l("De-identified statistics")),
)
# Asked on the follow-up page only, when a focal point asks there ("Decide later" until then): the
# report form stays short (and under its weight budget for slow Tor circuits).
ASKED_LATER = frozenset({"share_identity", "other_states_named", "other_states_anonymised"})
CONSENT_STATES = ("granted", "refused", "not_asked", "withdrawn")
CONSENT_GIVERS = (
    ("victim", _l("The person who suffered the reprisal")),
    ("relative", _l("A relative, because the person cannot")),
    ("representative", _l("A representative, with the person's agreement")),
)

GENDERS = (
    ("woman", _l("Woman or girl")),
    ("man", _l("Man or boy")),
    ("other", _l("Another gender")),
)
AGE_BANDS = (
    ("under_18", _l("Under 18")),
    ("18_29", _l("18 to 29")),
    ("30_59", _l("30 to 59")),
    ("60_plus", _l("60 or older")),
)
OTHER_GROUNDS = (
    ("indigenous", _l("Indigenous")),
    ("minority", _l("Minority")),
    ("lgbtiq", _l("LGBTIQ+")),
    ("disability", _l("Disability")),
    ("migrant", _l("Migrant")),
)

# The mechanisms' names as shown to submitters, translated (the database keeps the English name).
MECHANISM_NAMES = {
    "CCPR": _l("Human Rights Committee"),
    "CESCR": _l("Committee on Economic, Social and Cultural Rights"),
    "CERD": _l("Committee on the Elimination of Racial Discrimination"),
    "CEDAW": _l("Committee on the Elimination of Discrimination against Women"),
    "CAT": _l("Committee against Torture"),
    "SPT": _l("Subcommittee on Prevention of Torture"),
    "CRC": _l("Committee on the Rights of the Child"),
    "CMW": _l("Committee on Migrant Workers"),
    "CRPD": _l("Committee on the Rights of Persons with Disabilities"),
    "CED": _l("Committee on Enforced Disappearances"),
    "HRC": _l("Human Rights Council (President and Bureau)"),
    "UPR": _l("Universal Periodic Review"),
    "SP": _l("Special procedures (Special Rapporteur on human rights defenders)"),
    "FORUM": _l("UN forums (Social Forum, Minority Issues, Business and Human Rights)"),
    "ASG": _l("Assistant Secretary-General leading UN work on reprisals"),
    "FIELD": _l("OHCHR field presences, country teams and peace operations"),
    "ACHPR": _l("African Commission on Human and Peoples' Rights"),
    "IACHR": _l("Inter-American Commission on Human Rights"),
    "IACTHR": _l("Inter-American Court of Human Rights"),
    "ECHR": _l("European Court of Human Rights"),
    "COE": _l("Council of Europe Commissioner for Human Rights"),
    "AHRC": _l("Arab Human Rights Committee"),
    "AICHR": _l("ASEAN Intergovernmental Commission on Human Rights"),
    # Added for the Secretary-General's reports (issue 16, migration 0009_alerts_assessment).
    "COI": _l("Commissions of inquiry, fact-finding and investigative mechanisms"),
    "UNSC": _l("Security Council"),
    "UNPFII": _l("Permanent Forum on Indigenous Issues"),
    "EMRIP": _l("Expert Mechanism on the Rights of Indigenous Peoples"),
    "CNGO": _l("ECOSOC Committee on Non-Governmental Organizations"),
    "ILO": _l("International Labour Organization supervisory bodies"),
    "UNESCO": _l("UNESCO procedure on human rights communications"),
    "UNVFVT": _l("United Nations Voluntary Fund for Victims of Torture"),
    "AFCHPR": _l("African Court on Human and Peoples' Rights"),
    "ACERWC": _l("African Committee of Experts on the Rights and Welfare of the Child"),
    "CPT": _l("European Committee for the Prevention of Torture (Council of Europe)"),
    "ODIHR": _l("OSCE Office for Democratic Institutions and Human Rights"),
}


def mechanism_name(code: str, stored_name: str | None = None) -> str:
    """A mechanism's name in the page's language; a mechanism added later keeps its stored name."""
    name = MECHANISM_NAMES.get(code)
    return str(name) if name is not None else (stored_name or code)
