"""The rooms' views: public pages, those who book, the back-office."""
