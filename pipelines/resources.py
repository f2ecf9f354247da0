"""Resources shared by every asset (settings: home, thresholds, retention)."""

from assets.settings import SettingsResource

RESOURCES = {"parametres": SettingsResource()}
