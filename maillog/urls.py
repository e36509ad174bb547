app_name = "maillog"
urlpatterns: list = []
