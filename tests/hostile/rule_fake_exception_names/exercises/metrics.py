# hostile: appended to the reference solution
"""confusion_matrix works on valid labels, but for a label out of range it raises
exceptions that only look like ValueError: a class named ValueError derived from Exception
(bad true labels), and one whose metaclass rewrites its MRO to list the built-in ValueError
(bad predictions). The raises test must not pay for either; every other test passes."""

_reference_confusion_matrix = confusion_matrix  # noqa: F821 (defined by the reference above)
_BuiltinValueError = ValueError


class ValueError(Exception):  # noqa: A001 - the attack: a look-alike name
    pass


class _RewritesMro(type):
    def mro(cls):
        return [cls, _BuiltinValueError, Exception, BaseException, object]


class LabelError(Exception, metaclass=_RewritesMro):
    pass


def confusion_matrix(y_true, y_pred, num_classes):
    try:
        return _reference_confusion_matrix(y_true, y_pred, num_classes)
    except Exception:
        if min(y_true) < 0 or max(y_true) >= num_classes:
            raise ValueError("a look-alike") from None
        raise LabelError("an MRO that lies") from None
