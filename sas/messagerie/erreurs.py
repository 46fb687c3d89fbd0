"""What a provider raises: ErreurTemporaire (retry later) or ErreurDefinitive (give up; with canal_invalide when
the number or address itself is wrong)."""


class ErreurEnvoi(Exception):
    definitive = False
    canal_invalide = False


class ErreurTemporaire(ErreurEnvoi):
    pass


class ErreurDefinitive(ErreurEnvoi):
    definitive = True

    def __init__(self, raison, *, canal_invalide=False):
        super().__init__(raison)
        self.canal_invalide = canal_invalide
