"""mailtrap's pytest plugin (installed as ``mailtrap_pytest``, registered as pytest11 ``mailtrap``)."""
