"""Users of BackOffice and of the client portal: invitations, sign-up, departments."""
