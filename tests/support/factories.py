"""Small builders for test data: the testing kit's (kernel.testing), shared with plugin authors."""
from kernel.testing.factories import PASSWORD, bearer, make_account, make_patient, make_structure

__all__ = ["PASSWORD", "bearer", "make_account", "make_patient", "make_structure"]
